// Package analytics captures what happens on Herald as events, rolls them up
// into daily and hourly aggregates per account (in the account's time zone)
// and answers the dashboards and the datacube API from those aggregates.
//
// Capture is cheap: Recorder.Record puts the event on a buffered channel and
// returns; a background writer inserts batches. Dashboards never count raw
// rows: a job (Store.Rollup) aggregates new events, found by a watermark on
// the event id, into analytics_daily and analytics_hourly.
package analytics

import (
	"strings"
	"time"
)

// Event kinds.
const (
	KindFollow       = "follow"        // Surface: follow source (search, profile, qr, article, other)
	KindUnfollow     = "unfollow"      // Surface: the source of the follow that ends
	KindImpression   = "impression"    // an article shown in a list; Surface: read surface
	KindRead         = "read"          // an article opened; Object: article; Surface: read surface
	KindReadComplete = "read_complete" // the reader reached the end; Object: article
	KindLike         = "like"          // Object: article
	KindWow          = "wow"           // Object: article
	KindShare        = "share"         // Object: article; Surface: share scene
	KindComment      = "comment"       // Object: article
	KindMenuClick    = "menu_click"    // Surface: button key (or URL for a link button)
	KindMessageIn    = "message_in"    // a follower's message; Surface: message type (text, image, ...)
	KindLinkClick    = "link_click"    // a link in an article; Object: article; Surface: "source" for "Read more"
	KindAPICall      = "api_call"      // Surface: API name; Value: latency ms; Failed
	KindPushDelivery = "push_delivery" // a push to the developer's server; Value: latency ms; Failed
	KindPayment      = "payment"       // a paid order; Object: order; Surface: order source; Value: amount in fen
	KindOrderCreated = "order_created" // an order created; Object: order; Surface: order source; Value: amount in fen
	KindRefund       = "refund"        // a refund; Object: order; Surface: order source; Value: refunded fen
	KindWebAppOpen   = "webapp_open"   // a linked web app opened; Object: the app; Surface: profile, menu, article or link
)

// Kinds lists every kind, in display order.
var Kinds = []string{KindFollow, KindUnfollow, KindImpression, KindRead, KindReadComplete, KindLike, KindWow,
	KindShare, KindComment, KindMenuClick, KindMessageIn, KindLinkClick, KindAPICall, KindPushDelivery, KindPayment,
	KindWebAppOpen, KindOrderCreated, KindRefund}

// Read surfaces: where an article was opened.
const (
	SurfaceChat    = "chat"    // the conversation (mass send or a reply)
	SurfaceFolder  = "folder"  // the Subscriptions folder
	SurfaceProfile = "profile" // the account's profile history
	SurfaceLink    = "link"    // a shared link, or anything else
)

// Device classes.
const (
	DeviceMobile  = "mobile"
	DeviceTablet  = "tablet"
	DeviceDesktop = "desktop"
	DeviceBot     = "bot"
	DeviceOther   = "other"
)

// Event is one thing that happened.
type Event struct {
	AccountID int64
	Kind      string
	PersonID  int64  // 0 when nobody is signed in
	ObjectID  int64  // article, publication or other object; 0 if none
	Surface   string // source, surface, scene, button key or message type
	Value     int64  // latency in ms, or another amount
	Failed    bool   // api_call and push_delivery: the call failed
	Device    string // device class (see DeviceClass); "" if unknown
	At        time.Time
	// N is how many events of this shape the row stands for (0 means one):
	// the writer stores developer API calls of one account, API, outcome,
	// latency and minute as one row (see aggregated).
	N int64
}

// maxSurface bounds Surface (a menu link button's URL can be long).
const maxSurface = 200

// DeviceClass sorts a User-Agent header into mobile, tablet, desktop, bot or
// other, the only thing about the device that analytics keeps.
func DeviceClass(ua string) string {
	if ua == "" {
		return ""
	}
	l := strings.ToLower(ua)
	switch {
	case strings.Contains(l, "bot") || strings.Contains(l, "spider") || strings.Contains(l, "crawl") || strings.Contains(l, "headless"):
		return DeviceBot
	case strings.Contains(l, "ipad") || strings.Contains(l, "tablet") || (strings.Contains(l, "android") && !strings.Contains(l, "mobile")):
		return DeviceTablet
	case strings.Contains(l, "mobile") || strings.Contains(l, "iphone") || strings.Contains(l, "android") || strings.Contains(l, "micromessenger"):
		return DeviceMobile
	case strings.Contains(l, "windows") || strings.Contains(l, "macintosh") || strings.Contains(l, "x11") || strings.Contains(l, "linux") || strings.Contains(l, "cros"):
		return DeviceDesktop
	}
	return DeviceOther
}
