package core

import (
	"reflect"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/publish"
)

// TestArticleDataCopiesTheReading checks that the reading page's data has
// every field of publish.Reading (which it copies instead of embedding)
// with the reading's value, so a field added to Reading is not missing
// from the page.
func TestArticleDataCopiesTheReading(t *testing.T) {
	rd := &publish.Reading{Article: &publish.Article{ID: 5, BodyHTML: "<p>x</p>"}, Publication: &publish.Publication{ID: 6},
		Account: &account.Account{ID: 7}, Siblings: []*publish.Article{{ID: 8}}, Comments: []*publish.Comment{{ID: 9}},
		Liked: true, Wowed: true, Following: true, Member: true, Preview: true, CanComment: true, CommentNote: "note"}
	page := reflect.ValueOf((&UI{}).ArticleData(rd, "k")).Elem()
	src := reflect.ValueOf(rd).Elem()
	for i := 0; i < src.NumField(); i++ {
		f := src.Type().Field(i)
		got := page.FieldByName(f.Name)
		if !got.IsValid() || got.Type() != f.Type {
			t.Errorf("ArticlePage has no field %s %s", f.Name, f.Type)
			continue
		}
		if got.IsZero() || !reflect.DeepEqual(got.Interface(), src.Field(i).Interface()) {
			t.Errorf("ArticlePage.%s = %v, want %v (set every Reading field above to a value that is not zero)", f.Name, got, src.Field(i))
		}
	}
}
