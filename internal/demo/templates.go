package demo

import (
	"context"

	"github.com/heraldoa/herald/internal/tmplmsg"
)

// demoLibrary is the template library the demo platform starts with: a few
// templates in common industries, each with a labelled keyword per line.
var demoLibrary = []tmplmsg.LibraryTemplate{
	{ShortID: "TM00001", Title: "Transaction alert", Industry: 7,
		Content: "{{first.DATA}}\nAccount: {{keyword1.DATA}}\nTime: {{keyword2.DATA}}\nType: {{keyword3.DATA}}\nAmount: {{keyword4.DATA}}\n{{remark.DATA}}",
		Example: "Your card was used\nAccount: **** 1234\nTime: 2026-12-01 14:05\nType: Card payment\nAmount: ¥128.00\nNot you? Call us at once."},
	{ShortID: "TM00002", Title: "Payment received", Industry: 7,
		Content: "{{first.DATA}}\nAmount: {{keyword1.DATA}}\nFrom: {{keyword2.DATA}}\nTime: {{keyword3.DATA}}\n{{remark.DATA}}",
		Example: "Money arrived\nAmount: ¥2,000.00\nFrom: Li Wei\nTime: 2026-12-01 09:30"},
	{ShortID: "TM00003", Title: "Policy renewal reminder", Industry: 9,
		Content: "{{first.DATA}}\nPolicy: {{keyword1.DATA}}\nRenews on: {{keyword2.DATA}}\nPremium: {{keyword3.DATA}}\n{{remark.DATA}}"},
	{ShortID: "TM00015", Title: "Order shipped", Industry: 13,
		Content: "{{first.DATA}}\nOrder number: {{keyword1.DATA}}\nCarrier: {{keyword2.DATA}}\nTracking number: {{keyword3.DATA}}\n{{remark.DATA}}",
		Example: "Your parcel is on its way\nOrder number: A-1001\nCarrier: Panda Courier\nTracking number: PC123456789"},
	{ShortID: "TM00016", Title: "Delivery completed", Industry: 13,
		Content: "{{first.DATA}}\nTracking number: {{keyword1.DATA}}\nSigned by: {{keyword2.DATA}}\nTime: {{keyword3.DATA}}\n{{remark.DATA}}"},
	{ShortID: "TM00020", Title: "Order confirmed", Industry: 1,
		Content: "{{first.DATA}}\nOrder number: {{keyword1.DATA}}\nItems: {{keyword2.DATA}}\nTotal: {{keyword3.DATA}}\n{{remark.DATA}}"},
	{ShortID: "TM00030", Title: "Table ready", Industry: 10,
		Content: "{{first.DATA}}\nQueue number: {{keyword1.DATA}}\nTable: {{keyword2.DATA}}\n{{remark.DATA}}"},
	{ShortID: "TM00040", Title: "Booking confirmed", Industry: 11,
		Content: "{{first.DATA}}\nHotel: {{keyword1.DATA}}\nCheck-in: {{keyword2.DATA}}\nCheck-out: {{keyword3.DATA}}\n{{remark.DATA}}"},
	{ShortID: "TM00050", Title: "Class reminder", Industry: 16,
		Content: "{{first.DATA}}\nCourse: {{keyword1.DATA}}\nTime: {{keyword2.DATA}}\nRoom: {{keyword3.DATA}}\n{{remark.DATA}}"},
	{ShortID: "TM00060", Title: "Appointment reminder", Industry: 22,
		Content: "{{first.DATA}}\nDepartment: {{keyword1.DATA}}\nDoctor: {{keyword2.DATA}}\nTime: {{keyword3.DATA}}\n{{remark.DATA}}"},
}

// seedTemplates fills the template library and gives Harbour Bank (a
// Service account) its industries (banking, insurance), two templates and
// a transaction alert already sent to Mei.
func seedTemplates(ctx context.Context, w *world) error {
	t := w.app.Templates
	if t == nil {
		return nil
	}
	for i := range demoLibrary {
		lt := demoLibrary[i]
		if err := t.SaveLibrary(ctx, &lt); err != nil {
			return err
		}
	}
	harbour := w.accounts["harbour"]
	if harbour == nil {
		return nil
	}
	if _, err := t.SetIndustry(ctx, harbour.ID, 7, 9); err != nil {
		return err
	}
	alert, err := t.AddTemplate(ctx, harbour.ID, "TM00001", nil)
	if err != nil {
		return err
	}
	if _, err := t.AddTemplate(ctx, harbour.ID, "TM00002", nil); err != nil {
		return err
	}
	if len(w.followers) == 0 {
		return nil
	}
	f, err := w.app.Follows.Get(ctx, harbour.ID, w.followers[0].ID)
	if err != nil || !f.Following {
		return nil // Mei does not follow Harbour Bank in this demo
	}
	openid := f.OpenID
	a, err := w.app.Accounts.ByID(ctx, harbour.ID)
	if err != nil {
		return err
	}
	_, err = t.Send(ctx, a, &tmplmsg.SendRequest{ToUser: openid, TemplateID: alert.TemplateID, URL: "https://harbour-bank.example/transactions",
		Data: map[string]tmplmsg.DataItem{
			"first":    {Value: "Your card was used"},
			"keyword1": {Value: "**** 4821"},
			"keyword2": {Value: "Today 09:41"},
			"keyword3": {Value: "Card payment, Lotus Tea House"},
			"keyword4": {Value: "¥96.00", Color: "#173177"},
			"remark":   {Value: "Not you? Call 400-000-0000 at once."},
		}})
	if err == nil {
		t.Wait()
	}
	return err
}
