package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/user"
)

// seedAccounts creates the demo accounts through the real application and
// review workflow: Lin applies for "Lotus Tea House" (Subscription,
// domestic), Hana for "Harbour Bank" (Service, international), and the
// reviewer approves both. Sam joins Harbour Bank as an agent. One more
// application ("Panda Courier") waits in the review queue and one follower
// report waits in the moderation queue, so the admin face has work.
func seedAccounts(ctx context.Context, w *world) error {
	rv := w.app.Review
	reviewer := w.people["reviewer"]
	if w.accounts == nil {
		w.accounts = map[string]*account.Account{}
	}
	apps := []struct {
		key, owner string
		fields     review.Fields
		colour     color.RGBA
		approve    bool
	}{
		{"lotus", "lotus", review.Fields{Type: account.Subscription, Region: account.Domestic, Name: "Lotus Tea House",
			Description:  "Tea from Hangzhou and cakes from our own oven. Stories from the tea fields every week.",
			Organisation: "Lotus Tea House (Hangzhou) Co., Ltd.", ContactName: "Lin", ContactEmail: "lin@lotus-tea.example", ContactPhone: "+86 571 5555 0188"},
			color.RGBA{0x07, 0xa3, 0x5a, 0xff}, true},
		{"harbour", "harbour", review.Fields{Type: account.Service, Region: account.International, Name: "Harbour Bank",
			Description:  "Accounts, cards and savings for people who live between two ports.",
			Organisation: "Harbour Bank plc", ContactName: "Hana", ContactEmail: "hana@harbour-bank.example", ContactPhone: "+44 20 5555 0100"},
			color.RGBA{0x17, 0x5c, 0xd3, 0xff}, true},
		{"panda", "lotus", review.Fields{Type: account.Service, Region: account.Domestic, Name: "Panda Courier",
			Description:  "Same-day parcels across Chengdu.",
			Organisation: "Panda Courier (Chengdu) Co., Ltd.", ContactName: "Lin", ContactEmail: "lin@panda-courier.example"},
			color.RGBA{0x1f, 0x23, 0x28, 0xff}, false},
	}
	for _, a := range apps {
		owner := w.people[a.owner]
		app, err := apply(ctx, rv, owner, a.fields, a.colour)
		if err != nil {
			return fmt.Errorf("demo: apply for %s: %w", a.fields.Name, err)
		}
		if !a.approve {
			continue
		}
		if err := rv.Claim(ctx, reviewer, app.ID); err != nil {
			return err
		}
		for _, c := range review.CheckNames {
			if err := rv.RecordCheck(ctx, reviewer, app.ID, c, true, "Checked for the demo."); err != nil {
				return err
			}
		}
		if err := rv.Approve(ctx, reviewer, app.ID); err != nil {
			return fmt.Errorf("demo: approve %s: %w", a.fields.Name, err)
		}
		approved, err := rv.Application(ctx, app.ID)
		if err != nil {
			return err
		}
		if w.accounts[a.key], err = w.app.Accounts.ByID(ctx, approved.AccountID); err != nil {
			return err
		}
	}
	if sam := w.people["sam"]; sam != nil {
		if err := w.app.Accounts.AddMember(ctx, w.accounts["harbour"].ID, sam.ID, account.RoleAgent); err != nil {
			return err
		}
	}
	if mei := w.people["mei"]; mei != nil {
		_, err := rv.CreateReport(ctx, mei, review.NewReport{TargetType: review.TargetAccount, TargetID: w.accounts["harbour"].ID,
			Reason: "misleading", Details: "The savings rate in the latest post looks too good to be true."})
		if err != nil {
			return err
		}
	}
	return nil
}

// apply fills in and submits an application with an avatar and every
// document the platform asks for in the region.
func apply(ctx context.Context, rv *review.Store, owner *user.Person, f review.Fields, colour color.RGBA) (*review.Application, error) {
	app, err := rv.StartRegistration(ctx, owner, f)
	if err != nil {
		return nil, err
	}
	reqs, err := rv.Requirements(ctx, f.Region)
	if err != nil {
		return nil, err
	}
	var docs []review.Upload
	for i, r := range reqs {
		docs = append(docs, review.Upload{Requirement: r, Filename: fmt.Sprintf("document-%d.pdf", i+1), Body: bytes.NewReader(demoPDF(r))})
	}
	avatar := &review.Upload{Filename: "avatar.png", Body: bytes.NewReader(demoAvatar(colour))}
	if _, err := rv.Save(ctx, owner, app.ID, f, avatar, docs); err != nil {
		return nil, err
	}
	return rv.Submit(ctx, owner, app.ID)
}

// demoAvatar is a small square in the account's colour.
func demoAvatar(c color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 96, 96))
	for y := 0; y < 96; y++ {
		for x := 0; x < 96; x++ {
			img.Set(x, y, c)
			if (x-48)*(x-48)+(y-48)*(y-48) < 20*20 {
				img.Set(x, y, color.RGBA{0xff, 0xff, 0xff, 0xff})
			}
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// demoPDF is a one-page PDF that names the document.
func demoPDF(title string) []byte {
	text := fmt.Sprintf("BT /F1 18 Tf 40 760 Td (Demo: %s) Tj ET", title)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
