package tmplmsg

import (
	"reflect"
	"testing"
)

func TestRenderAndKeywords(t *testing.T) {
	content := "{{first.DATA}}\n订单号：{{keyword1.DATA}}\nAmount: {{ keyword2.DATA }}\nShipped {{keyword3.DATA}} by {{keyword4.DATA}}\n\n{{remark.DATA}}"
	kw := Keywords(content)
	want := []Keyword{{"first", ""}, {"keyword1", "订单号"}, {"keyword2", "Amount"}, {"keyword3", ""}, {"keyword4", ""}, {"remark", ""}}
	if !reflect.DeepEqual(kw, want) {
		t.Fatalf("Keywords = %v, want %v", kw, want)
	}
	lines := Render(content, map[string]DataItem{
		"keyword1": {Value: "A-1", Color: "#abc"},
		"keyword3": {Value: "today", Color: "javascript:x"},
		"keyword4": {Value: "Swift Post", Color: "#173177"},
		"unknown":  {Value: "ignored"},
	})
	wantLines := []Line{{Label: "订单号", Value: "A-1", Color: "#abc"}, {Label: "Amount"}, {Value: "Shipped today by Swift Post", Color: "#173177"}}
	if !reflect.DeepEqual(lines, wantLines) {
		t.Fatalf("Render = %+v, want %+v", lines, wantLines)
	}
	picked, ok := Pick(content, []string{"Amount"})
	if !ok || picked != "{{first.DATA}}\nAmount: {{ keyword2.DATA }}\nShipped {{keyword3.DATA}} by {{keyword4.DATA}}\n\n{{remark.DATA}}" {
		t.Fatalf("Pick = %q %v", picked, ok)
	}
	if _, ok := Pick(content, []string{"Amount", "Nope"}); ok {
		t.Fatal("Pick accepted a name the template lacks")
	}
	if k := checkData(map[string]DataItem{"a": {Value: string(make([]rune, MaxValueRunes))}}); k != "" {
		t.Fatalf("a value of %d characters refused (%s)", MaxValueRunes, k)
	}
	if k := checkData(map[string]DataItem{"b": {Value: "x"}, "a": {Value: string(make([]rune, MaxValueRunes+1))}}); k != "a" {
		t.Fatalf("checkData = %q, want a", k)
	}
}
