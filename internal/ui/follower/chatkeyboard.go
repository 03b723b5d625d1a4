package follower

import (
	"bytes"
	"strconv"
	"strings"
	"sync"

	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/ui/core"
)

// The composer's six panes (the "chat_keyboard" template) were about a
// third of the conversation page's template work: some forty actions, each
// a reflect call with its escapers. Without a form shown again, what they
// write depends only on the language, the pane shown, whether the account
// has a menu, and the account's id in the forms' addresses. So the panes
// are rendered once per language, pane and menu, with a stand-in id, kept
// split at that id, and each page joins the pieces with its account's id.
// The kept texts come from the embedded templates and the built-in
// catalogue alone, so every node of a cluster writes the same.

// keyboardID is the stand-in account id the kept panes are rendered with:
// no text of the templates or the catalogue contains it.
const keyboardID int64 = 7_305_992_118_460_051_229

type keyboardKey struct {
	lang i18n.Lang
	tab  string
	menu bool
}

// keyboards holds the pieces of the panes by keyboardKey (at most
// languages × 7 panes × 2).
var keyboards sync.Map

// writeKeyboard writes the composer's panes for a conversation page p with
// the account accountID, tab shown, and menu whether the account has a
// menu bar, as the "chat_keyboard" template writes them for a page without
// a form shown again (p.Form and p.Fields empty), into the page's buffer.
func (u *UI) writeKeyboard(b *bytes.Buffer, p *core.Page, accountID int64, tab string, menu bool) error {
	key := keyboardKey{p.Lang, tab, menu}
	v, ok := keyboards.Load(key)
	if !ok {
		stand := &chatData{Account: &accountCard{ID: keyboardID}, Tab: tab}
		if menu {
			stand.Menu = []menuItem{{Kind: "none"}}
		}
		s, err := u.Partial("app/chat", "chat_keyboard", &core.Page{Lang: p.Lang, L: p.L, Data: stand})
		if err != nil {
			return err
		}
		v, _ = keyboards.LoadOrStore(key, strings.Split(s, strconv.FormatInt(keyboardID, 10)))
	}
	var id [20]byte
	accID := strconv.AppendInt(id[:0], accountID, 10)
	for i, s := range v.([]string) {
		if i > 0 {
			b.Write(accID)
		}
		b.WriteString(s)
	}
	return nil
}
