package wxapi_test

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/media/mediatest"
	"github.com/heraldoa/herald/internal/wx/wxerr"
	"github.com/heraldoa/herald/internal/wxapi"
)

// FuzzReadUpload: any multipart body (any boundary, parts, file) is either
// refused with a WeChat errcode or gives a file of an accepted type within
// the size limit whose image header is within the limits; nothing panics.
//
// Each run parses a whole multipart form, so the harness keeps runs cheap:
// a 16 KB file limit (the limits' own tests use the real ones), bodies
// over 64 KB and boundaries over RFC 2046's 70 characters skipped (the
// parser's work on them is the same, only slower, and shrinking a large
// failing input would take long), and one request and response writer
// reused instead of httptest's, which parses a request line every time.
func FuzzReadUpload(f *testing.F) {
	part := func(name, file string, data []byte) ([]byte, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile(name, file)
		fw.Write(data)
		mw.Close()
		return b.Bytes(), mw.Boundary()
	}
	for _, c := range []struct {
		name, file string
		data       []byte
	}{
		{"media", "a.png", mediatest.PNG(2, 2)}, {"media", "bomb.png", mediatest.PNG(50000, 50000)},
		{"media", "a.jpg", mediatest.JPEG(3, 3)}, {"other", "a.png", mediatest.PNG(1, 1)}, {"media", "t.txt", []byte("hello")},
		{"media", "e.png", nil}, {"media", "big.png", append(mediatest.PNG(1, 1), make([]byte, 17<<10)...)},
	} {
		body, boundary := part(c.name, c.file, c.data)
		f.Add(body, boundary)
	}
	kind := media.Kind{Name: "image", Types: []string{"image/jpeg", "image/png"}, MaxBytes: 16 << 10}
	target, _ := url.Parse("/cgi-bin/media/uploadimg")
	var w discardWriter
	var body bytes.Reader
	f.Fuzz(func(t *testing.T, in []byte, boundary string) {
		if len(in) > 64<<10 || len(boundary) > 70 {
			return
		}
		body.Reset(in)
		w.h = nil
		r := &http.Request{Method: http.MethodPost, URL: target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {"multipart/form-data; boundary=" + boundary}}, Body: io.NopCloser(&body),
			ContentLength: int64(len(in)), Host: "herald.test"}
		data, ct, _, err := wxapi.ReadUpload(&w, r, kind, 40009)
		if r.MultipartForm != nil {
			_ = r.MultipartForm.RemoveAll()
		}
		if err != nil {
			var we *wxerr.Error
			if !errors.As(err, &we) || we.Code == 0 {
				t.Fatalf("refused without an errcode: %v", err)
			}
			return
		}
		if !slices.Contains(kind.Types, ct) || int64(len(data)) > kind.MaxBytes || len(data) == 0 {
			t.Fatalf("accepted %d bytes of %s", len(data), ct)
		}
		if err := media.CheckImage(bytes.NewReader(data), ct, "image"); err != nil {
			t.Fatalf("accepted an image the check refuses: %v", err)
		}
	})
}

// discardWriter is the response writer ReadUpload gets (it writes nothing;
// http.MaxBytesReader only looks for a way to close the connection).
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header {
	if d.h == nil {
		d.h = http.Header{}
	}
	return d.h
}
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
