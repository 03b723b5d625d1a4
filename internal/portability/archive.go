package portability

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/heraldoa/herald/internal/errs"
)

// Manifest is manifest.json, the archive's table of contents.
type Manifest struct {
	Format        string     `json:"format"`         // always "herald-account-archive"
	SchemaVersion int        `json:"schema_version"` // SchemaVersion of the writer
	ArchiveID     string     `json:"archive_id"`     // random, 32 hex digits; an import of the same archive twice is recognised by it
	CreatedAt     int64      `json:"created_at"`     // Unix microseconds
	Generator     string     `json:"generator"`      // "herald <version>"
	Source        Source     `json:"source"`
	Files         []FileInfo `json:"files"` // every file of the archive except manifest.json and media/…
}

// Source names where the archive was made.
type Source struct {
	BaseURL   string `json:"base_url"`
	AccountID string `json:"account_id"`
	Name      string `json:"name"`
}

// FileInfo is a file's entry in the manifest.
type FileInfo struct {
	Name   string `json:"name"`
	Rows   int64  `json:"rows"` // lines, for .jsonl files; 1 for account.json
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"` // hex
}

// MediaEntry is a line of media.jsonl: a file kept under media/<key>.
type MediaEntry struct {
	Key    string `json:"key"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// hashWriter counts and hashes what passes through it.
type hashWriter struct {
	w     io.Writer
	h     hashState
	n     int64
	lines int64
}

type hashState interface {
	io.Writer
	Sum([]byte) []byte
}

func newHashWriter(w io.Writer) *hashWriter { return &hashWriter{w: w, h: sha256.New()} }

func (hw *hashWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	for _, b := range p[:n] {
		if b == '\n' {
			hw.lines++
		}
	}
	return n, err
}

func (hw *hashWriter) sum() string { return hex.EncodeToString(hw.h.Sum(nil)) }

// validMediaKey accepts the keys the media package makes: relative,
// slash-separated, no "..", no absolute path.
func validMediaKey(k string) bool {
	if k == "" || len(k) > 512 || strings.HasPrefix(k, "/") || strings.Contains(k, "\\") {
		return false
	}
	if path.Clean(k) != k {
		return false
	}
	for _, part := range strings.Split(k, "/") {
		if part == ".." || part == "." || part == "" {
			return false
		}
	}
	return true
}

// Archive is an opened archive.
type Archive struct {
	Manifest Manifest
	zr       *zip.Reader
	files    map[string]*zip.File
}

// ArchiveError names the file and line of an archive at fault.
type ArchiveError struct {
	File string
	Line int    // 0 when the fault is not on one line
	Msg  string // what is wrong, in English (the command line)
	// Format and Args are what Msg was made of: a text of the catalogue
	// (domain.json) and its values, for a face to write in the reader's
	// language (Phrase). The words of a Go error among them (a JSON
	// decoder's, a zip reader's) are an errs.Quote: content, in English.
	Format string
	Args   []any
}

// Phrase is what is wrong, for a face to write in the reader's language;
// an error made without a format is its English message, quoted.
func (e *ArchiveError) Phrase() errs.Phrase {
	if e.Format == "" {
		return errs.Phrase{Format: "%s", Args: []any{errs.Quote(e.Msg)}}
	}
	return errs.Phrase{Format: e.Format, Args: e.Args}
}

func (e *ArchiveError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("archive %s line %d: %s", e.File, e.Line, e.Msg)
	}
	if e.File != "" {
		return fmt.Sprintf("archive %s: %s", e.File, e.Msg)
	}
	return "archive: " + e.Msg
}

// wrap is errs.Wrap for this package's exported operations: it names the
// operation in a failure of the machinery and, like errs.Wrap for domain
// errors, leaves this package's own refusals as they are (an *ArchiveError
// or a *QuotaError: their text is what the owner reads).
func wrap(errp *error, format string, args ...any) {
	var ae *ArchiveError
	var qe *QuotaError
	if errors.As(*errp, &ae) || errors.As(*errp, &qe) {
		return
	}
	errs.Wrap(errp, format, args...)
}

// archiveErr is the fault of file (at line, or 0) that format and args
// describe (format a key of domain.json). A fault found below (a *fault)
// keeps its own format; any other Go error given as the whole message,
// or as a value, is quoted in its own words.
func archiveErr(file string, line int, format string, args ...any) error {
	f, a := faultText(format, args)
	return &ArchiveError{File: file, Line: line, Msg: fmt.Sprintf(format, args...), Format: f, Args: a}
}

// fault is an error whose message is a text of the catalogue with values,
// made where a line is checked and carried up to archiveErr or a CSV
// report. Its values that are Go errors are quoted (content).
type fault struct {
	format string
	args   []any
}

func (f *fault) Error() string { return fmt.Sprintf(f.format, f.args...) }

func faultf(format string, args ...any) error { return &fault{format: format, args: args} }

// faultText is format and args as a face writes them: a message that is
// one error ("%v") takes the error's own format when it is a *fault, and
// reads "cannot be read:" and its words otherwise; an error among the
// values is quoted in its words.
func faultText(format string, args []any) (string, []any) {
	if (format == "%v" || format == "%s") && len(args) == 1 {
		if err, ok := args[0].(error); ok {
			var f *fault
			if errors.As(err, &f) {
				return faultText(f.format, f.args)
			}
			return "cannot be read: %s", []any{errs.Quote(err.Error())}
		}
	}
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case *fault:
			out[i] = errs.Phrase{Format: v.format, Args: v.args}
		case error:
			out[i] = errs.Quote(v.Error())
		default:
			out[i] = a
		}
	}
	return format, out
}

// maxManifest bounds manifest.json.
const maxManifest = 1 << 20

// OpenArchive reads the manifest of the zip in r and checks its shape: the
// format name, a schema version this Herald knows, and that every listed
// file is present and nothing unlisted is. Checksums are checked by Validate.
func OpenArchive(r io.ReaderAt, size int64) (*Archive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, archiveErr("", 0, "not a zip file: %v", err)
	}
	a := &Archive{zr: zr, files: map[string]*zip.File{}}
	for _, f := range zr.File {
		if _, dup := a.files[f.Name]; dup {
			return nil, archiveErr(f.Name, 0, "appears twice in the zip")
		}
		a.files[f.Name] = f
	}
	mf := a.files["manifest.json"]
	if mf == nil {
		return nil, archiveErr("manifest.json", 0, "is missing")
	}
	rc, err := mf.Open()
	if err != nil {
		return nil, archiveErr("manifest.json", 0, "%v", err)
	}
	defer rc.Close()
	dec := json.NewDecoder(io.LimitReader(rc, maxManifest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a.Manifest); err != nil {
		return nil, archiveErr("manifest.json", 0, "not a valid manifest: %v", err)
	}
	m := &a.Manifest
	if m.Format != FormatName {
		return nil, archiveErr("manifest.json", 0, "format is %q, want %q", m.Format, FormatName)
	}
	if m.SchemaVersion < 1 || m.SchemaVersion > SchemaVersion {
		return nil, archiveErr("manifest.json", 0, "schema version %d is not one this Herald reads (1 to %d)", m.SchemaVersion, SchemaVersion)
	}
	if len(m.ArchiveID) != 32 {
		return nil, archiveErr("manifest.json", 0, "archive_id must be 32 hex digits")
	}
	if _, err := hex.DecodeString(m.ArchiveID); err != nil {
		return nil, archiveErr("manifest.json", 0, "archive_id must be 32 hex digits")
	}
	listed := map[string]bool{"manifest.json": true}
	for _, fi := range m.Files {
		if listed[fi.Name] {
			return nil, archiveErr("manifest.json", 0, "lists %s twice", fi.Name)
		}
		listed[fi.Name] = true
		if fi.Name != "account.json" && fi.Name != "followers.jsonl" && fi.Name != "media.jsonl" && tableByFile(fi.Name) == nil {
			return nil, archiveErr(fi.Name, 0, "is not a file of schema version %d", m.SchemaVersion)
		}
		if a.files[fi.Name] == nil {
			return nil, archiveErr(fi.Name, 0, "listed in the manifest but missing from the zip")
		}
	}
	for _, need := range []string{"account.json", "followers.jsonl", "media.jsonl"} {
		if !listed[need] {
			return nil, archiveErr(need, 0, "is missing")
		}
	}
	for name := range a.files {
		if !listed[name] && !strings.HasPrefix(name, "media/") {
			return nil, archiveErr(name, 0, "is in the zip but not in the manifest")
		}
	}
	return a, nil
}

// fileInfo returns the manifest entry of name, or nil.
func (a *Archive) fileInfo(name string) *FileInfo {
	for i := range a.Manifest.Files {
		if a.Manifest.Files[i].Name == name {
			return &a.Manifest.Files[i]
		}
	}
	return nil
}

// maxLine bounds one JSON line (an article's HTML body fits easily).
const maxLine = 16 << 20

// eachLine calls fn with every line of the named file (1-based numbers), and
// checks the file's checksum, size and line count against the manifest.
// A missing optional file has no lines.
func (a *Archive) eachLine(name string, fn func(line int, b []byte) error) error {
	fi := a.fileInfo(name)
	if fi == nil {
		return nil
	}
	rc, err := a.files[name].Open()
	if err != nil {
		return archiveErr(name, 0, "%v", err)
	}
	defer rc.Close()
	h := sha256.New()
	var n int64
	br := bufio.NewReaderSize(io.TeeReader(rc, h), 64<<10)
	line := 0
	for {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			buf := append([]byte(nil), b...)
			for err == bufio.ErrBufferFull && len(buf) <= maxLine {
				b, err = br.ReadSlice('\n')
				buf = append(buf, b...)
			}
			if len(buf) > maxLine {
				return archiveErr(name, line+1, "line longer than %d bytes", maxLine)
			}
			b = buf
		}
		if len(b) > 0 {
			n += int64(len(b))
			line++
			if b[len(b)-1] != '\n' {
				return archiveErr(name, line, "the last line does not end with a newline")
			}
			if err := fn(line, b[:len(b)-1]); err != nil {
				return err
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return archiveErr(name, line+1, "%v", err)
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != fi.SHA256 {
		return archiveErr(name, 0, "checksum mismatch: sha256 is %s, the manifest says %s", got, fi.SHA256)
	}
	if n != fi.Bytes || int64(line) != fi.Rows {
		return archiveErr(name, 0, "has %d bytes in %d lines, the manifest says %d in %d", n, line, fi.Bytes, fi.Rows)
	}
	return nil
}
