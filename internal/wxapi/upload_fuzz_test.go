package wxapi_test

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http/httptest"
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
		{"media", "e.png", nil},
	} {
		body, boundary := part(c.name, c.file, c.data)
		f.Add(body, boundary)
	}
	kind := media.Kind{Name: "image", Types: []string{"image/jpeg", "image/png"}, MaxBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		r := httptest.NewRequest("POST", "/cgi-bin/media/uploadimg", bytes.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		data, ct, _, err := wxapi.ReadUpload(httptest.NewRecorder(), r, kind, 40009)
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
