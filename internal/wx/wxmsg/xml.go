package wxmsg

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Errors of the parsers and of Marshal. The parsers wrap them with detail;
// test them with errors.Is.
var (
	// ErrMalformedXML means the body is not one well-formed <xml> document.
	ErrMalformedXML = errors.New("wxmsg: malformed XML")
	// ErrUnknownType means MsgType (or Event, for events) is missing or not
	// one this package knows.
	ErrUnknownType = errors.New("wxmsg: unknown message type")
	// ErrInvalid means a document is well-formed but breaks a rule of its
	// type, such as a text reply without Content.
	ErrInvalid = errors.New("wxmsg: invalid message")
)

// decodeOne unmarshals body, which must hold exactly one root element, into
// v. Comments, processing instructions and white space may surround it;
// anything else is an error, as WeChat treats a reply as one XML document.
func decodeOne(body []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformedXML, err)
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: after the root element: %v", ErrMalformedXML, err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return fmt.Errorf("%w: text after the root element", ErrMalformedXML)
			}
		case xml.Comment, xml.ProcInst:
		default:
			return fmt.Errorf("%w: more than one root element", ErrMalformedXML)
		}
	}
}

// writer builds the compact XML WeChat sends: no declaration, no
// indentation, strings in CDATA and numbers bare.
type writer struct {
	b   strings.Builder // its String is the document without a copy (MarshalString)
	err error
}

func (w *writer) open(name string) {
	w.b.WriteByte('<')
	w.b.WriteString(name)
	w.b.WriteByte('>')
}

func (w *writer) close(name string) {
	w.b.WriteString("</")
	w.b.WriteString(name)
	w.b.WriteByte('>')
}

// cdata writes <name><![CDATA[v]]></name>. A "]]>" inside v is split across
// two CDATA sections, and characters XML does not allow become U+FFFD.
func (w *writer) cdata(name, v string) {
	w.open(name)
	v = xmlSafe(v)
	for {
		w.b.WriteString("<![CDATA[")
		i := strings.Index(v, "]]>")
		if i < 0 {
			w.b.WriteString(v)
			w.b.WriteString("]]>")
			break
		}
		// Keep "]]" in this section and start the next one with ">".
		w.b.WriteString(v[:i+2])
		w.b.WriteString("]]>")
		v = v[i+2:]
	}
	w.close(name)
}

// appendCDATA appends what cdata writes to b.
func appendCDATA(b []byte, name, v string) []byte {
	b = append(append(append(b, '<'), name...), '>')
	v = xmlSafe(v)
	for {
		b = append(b, "<![CDATA["...)
		i := strings.Index(v, "]]>")
		if i < 0 {
			b = append(append(b, v...), "]]>"...)
			break
		}
		// Keep "]]" in this section and start the next one with ">".
		b = append(append(b, v[:i+2]...), "]]>"...)
		v = v[i+2:]
	}
	return append(append(append(b, "</"...), name...), '>')
}

// text writes <name>v</name> with v escaped, for values WeChat sends bare.
func (w *writer) text(name, v string) {
	w.open(name)
	_ = xml.EscapeText(&w.b, []byte(v)) // writes to a bytes.Buffer cannot fail
	w.close(name)
}

func (w *writer) int(name string, v int64) {
	w.open(name)
	var digits [20]byte
	w.b.Write(strconv.AppendInt(digits[:0], v, 10))
	w.close(name)
}

func (w *writer) float(name string, v float64) {
	if s, ok := w.formatFloat(name, v); ok {
		w.open(name)
		w.b.WriteString(s)
		w.close(name)
	}
}

// floatCDATA writes a number inside CDATA, as a few official examples do.
func (w *writer) floatCDATA(name string, v float64) {
	if s, ok := w.formatFloat(name, v); ok {
		w.cdata(name, s)
	}
}

// formatFloat formats v in the shortest decimal form without exponent. NaN
// and infinities have no XML form: they make Marshal fail.
func (w *writer) formatFloat(name string, v float64) (string, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		if w.err == nil {
			w.err = fmt.Errorf("%w: %s is %v", ErrInvalid, name, v)
		}
		return "", false
	}
	return strconv.FormatFloat(v, 'f', -1, 64), true
}

// cdataIf and textIf write the element only when v is not empty.
func (w *writer) cdataIf(name, v string) {
	if v != "" {
		w.cdata(name, v)
	}
}

func (w *writer) textIf(name, v string) {
	if v != "" {
		w.text(name, v)
	}
}

func (w *writer) bytes() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return []byte(w.b.String()), nil
}

func (w *writer) string() (string, error) {
	if w.err != nil {
		return "", w.err
	}
	return w.b.String(), nil
}

// xmlSafe replaces invalid UTF-8 and characters outside the XML 1.0 Char
// production with U+FFFD, as encoding/xml does for escaped text.
func xmlSafe(s string) string {
	// Printable ASCII, tab, newline and carriage return are XML characters:
	// most values (ids, numbers, base64) are only those, checked byte by
	// byte; the rest is checked rune by rune from its first other byte.
	i := 0
	for i < len(s) && (s[i] >= 0x20 && s[i] < 0x7f || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	if i == len(s) {
		return s
	}
	if rest := s[i:]; utf8.ValidString(rest) && !strings.ContainsFunc(rest, func(r rune) bool { return !isXMLChar(r) }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isXMLChar(r) {
			return r
		}
		return utf8.RuneError
	}, s)
}

func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
