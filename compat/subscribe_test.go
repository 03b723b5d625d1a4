package compat

import (
	"strconv"
	"testing"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/silenceper/wechat/v2/officialaccount/message"
)

// silenceper's subscription-notification client against Herald: the
// library, private templates, bizsend before and after the follower's
// consent.
func TestSilenceperSubscriptionNotifications(t *testing.T) {
	h := heraldtest.New(t)
	pointAt(h)
	svc := h.Service
	sub := account(svc, false).GetSubscribe()
	tid, err := h.AddSubscribeTemplate("Parcel arriving", true, 308,
		heraldtest.SubscribeKeyword{Name: "Parcel", Rule: "character_string", Example: "SF1234"},
		heraldtest.SubscribeKeyword{Name: "Arrives", Rule: "time", Example: "2026-12-05 15:00"},
		heraldtest.SubscribeKeyword{Name: "Courier", Rule: "name", Example: "Li Wei"})
	if err != nil {
		t.Fatal(err)
	}

	cats, err := sub.GetCategory()
	if err != nil || len(cats) == 0 {
		t.Fatalf("GetCategory: %v %v", cats, err)
	}
	n, titles, err := sub.GetPublicTemplateTitleList("308", 0, 10)
	if err != nil || n != 1 || titles[0].Title != "Parcel arriving" || titles[0].CategoryID != "308" || int64(titles[0].TitleID) != tid {
		t.Fatalf("GetPublicTemplateTitleList: %d %+v %v", n, titles, err)
	}
	kws, err := sub.GetPubTplKeyWordsByID(strconv.FormatInt(tid, 10))
	if err != nil || len(kws) != 3 || kws[2].Rule != "name" {
		t.Fatalf("GetPubTplKeyWordsByID: %+v %v", kws, err)
	}
	pri, err := sub.Add(strconv.FormatInt(tid, 10), []int{1, 2}, "parcels")
	if err != nil || pri == "" {
		t.Fatalf("Add: %q %v", pri, err)
	}
	list, err := sub.List()
	if err != nil || len(list) != 1 || list[0].PriTmplID != pri || list[0].SubType != 2 {
		t.Fatalf("List: %+v %v", list, err)
	}

	mei := svc.Followers[0]
	msg := &message.SubscribeMessage{ToUser: mei.OpenID, TemplateID: pri, Page: "https://example.com/p/SF1234",
		Data: map[string]*message.SubscribeDataItem{"character_string1": {Value: "SF1234"}, "time2": {Value: "2026-12-05 15:00"}}}
	if err := sub.Send(msg); errcode(err) != 43101 {
		t.Fatalf("Send before consent: %v", err)
	}
	if err := h.Subscribe(svc, mei, map[string]bool{pri: true}, false, 1); err != nil {
		t.Fatal(err)
	}
	if err := sub.Send(msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	conv, _ := h.Conversation(svc, mei)
	if last := conv[len(conv)-1]; last.Kind != "template" || last.Title != "Parcel arriving" {
		t.Fatalf("card: %+v", last)
	}
	if err := sub.Delete(pri); err != nil {
		t.Fatal(err)
	}
}
