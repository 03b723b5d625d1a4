package app_test

import (
	"fmt"
	"testing"

	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/push"
)

// A follower is answered by menu clicks, then the developer's server, then
// auto-replies, with analytics hearing everything first: the developer's
// reply wins over auto-replies, and menu buttons WeChat answers itself are
// never pushed.
func TestResponderOrder(t *testing.T) {
	s := apptest.New(t)
	var got []string
	for _, r := range s.App.Chat.Responders() {
		got = append(got, fmt.Sprintf("%T", r))
	}
	want := []string{
		fmt.Sprintf("%T", &analytics.Responder{}),
		fmt.Sprintf("%T", &menu.Responder{}),
		fmt.Sprintf("%T", &push.Engine{}),
		fmt.Sprintf("%T", &menu.KeywordResponder{}),
		fmt.Sprintf("%T", &autoreply.Responder{}),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("responder chain %v, want %v", got, want)
	}
}
