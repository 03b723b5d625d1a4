package console

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/heraldoa/herald/internal/errs"
)

// uploadRequest is a browser's multipart form: the file part first, then
// the other fields (the order a form may send them in).
func uploadRequest(t *testing.T, file []byte, fields map[string]string) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if file != nil {
		fw, err := mw.CreateFormFile("archive", "big.zip")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

// TestStreamUpload: a file up to the limit arrives whole on disk with the
// form's other fields, whichever comes first, and its file is gone once
// closed; one byte more is refused with the limit's message, and a form
// without the file with the other.
func TestStreamUpload(t *testing.T) {
	tooBig, missing := errs.Invalidf("too big"), errs.Invalidf("missing")
	const limit = 64 << 10
	file := bytes.Repeat([]byte("0123456789abcdef"), limit/16)

	up, err := streamUpload(httptest.NewRecorder(), uploadRequest(t, file, map[string]string{"check": "1"}), "archive", limit, tooBig, missing)
	if err != nil {
		t.Fatalf("a file of exactly the limit: %v", err)
	}
	got, _ := io.ReadAll(up)
	if !bytes.Equal(got, file) || up.Size != limit || up.Fields["check"] != "1" {
		t.Fatalf("read %d bytes (size %d), fields %v", len(got), up.Size, up.Fields)
	}
	name := up.Name()
	if err := up.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(name); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the temporary file is still there: %v", err)
	}

	if _, err := streamUpload(httptest.NewRecorder(), uploadRequest(t, append(file, 'x'), nil), "archive", limit, tooBig, missing); err != tooBig {
		t.Fatalf("one byte over the limit: %v", err)
	}
	if _, err := streamUpload(httptest.NewRecorder(), uploadRequest(t, nil, map[string]string{"check": "1"}), "archive", limit, tooBig, missing); err != missing {
		t.Fatalf("no file: %v", err)
	}
}

func TestSizeText(t *testing.T) {
	for n, want := range map[int64]string{8 << 30: "8 GB", 3 << 29: "1.5 GB", 256 << 20: "256 MB"} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", n, got, want)
		}
	}
}
