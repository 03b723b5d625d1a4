package jsonmemo

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
)

type doc struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
	Data any      `json:"data"`
}

func cloneDoc(d doc) doc {
	d.Tags = slices.Clone(d.Tags)
	d.Data = CloneAny(d.Data)
	return d
}

// TestDecodeKeepsValues checks that a text decodes as json.Unmarshal
// decodes it, the first time and again from the cache, that a caller
// changing its value does not change what the next caller gets, that
// errors are json.Unmarshal's, and that long texts and a full cache still
// decode.
func TestDecodeKeepsValues(t *testing.T) {
	c := New(2, 100, cloneDoc)
	texts := []string{`{"name":"a","tags":["x","y"],"data":{"k":[1,"v",{"n":null}]}}`, `{"name":"b"}`, `{"name":"c","tags":[]}`,
		`{"name":"` + string(make([]byte, 200)) + `"}`}
	for round := range 3 {
		for _, text := range texts {
			var want doc
			wantErr := json.Unmarshal([]byte(text), &want)
			var got doc
			err := c.Decode(text, &got)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("round %d, %.20s: error %v, want %v", round, text, err, wantErr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, %.20s: got %#v, want %#v", round, text, got, want)
			}
			// The caller changes what it got.
			got.Name = "changed"
			if len(got.Tags) > 0 {
				got.Tags[0] = "changed"
			}
			if m, ok := got.Data.(map[string]any); ok {
				m["k"].([]any)[0] = "changed"
				m["new"] = true
			}
		}
	}
	var d doc
	if err := c.Decode(`{"name":`, &d); err == nil {
		t.Error("a broken text decoded without an error")
	}
	if len(c.m) > 2 {
		t.Errorf("the cache holds %d values, at most 2 were asked for", len(c.m))
	}
}
