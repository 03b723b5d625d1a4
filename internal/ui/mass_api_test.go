package ui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/publish"
)

// A mass send made through the developer API shows in the console's list of
// sends, with its message, its report and what it was, and uses the
// console's quota.
func TestConsoleListsAPIMassSends(t *testing.T) {
	t.Parallel()
	s, a, owner := lotusTea(t, account.Service)
	ctx := context.Background()
	f := s.CreatePerson(t, "reader", pubPW, "")
	if _, err := s.App.Follows.Follow(ctx, a.ID, f.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	j, err := s.App.Publish.SendAPI(ctx, a.ID, publish.MassSend{MsgType: "text", Target: publish.TargetAll,
		Message: &publish.MassMessage{Kind: message.KindText, Parts: []message.Body{{Text: "New oolong arrived"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.PublishEngine.Run(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	res := owner.Get(fmt.Sprintf("/mp/a/%d/publish", a.ID))
	row := res.Body[strings.Index(res.Body, fmt.Sprintf(`data-job="%d"`, j.ID)):]
	row = row[:strings.Index(row, "</tr>")]
	for _, want := range []string{"New oolong arrived", `data-testid="job-api">API · text<`, "1 total · 1 after filtering · 1 sent · errors: 0", ">done<"} {
		if !strings.Contains(row, want) {
			t.Fatalf("console row lacks %q:\n%s", want, row)
		}
	}
	if !res.Contains(`data-testid="quota-left">3<`) {
		t.Fatal("the API send did not use the console's quota")
	}
}
