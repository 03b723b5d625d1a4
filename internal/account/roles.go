package account

// Actions that account members may be allowed to take in the console.
const (
	ActView       = "view"       // see the account's console home
	ActProfile    = "profile"    // edit name, description, avatar; renew verification
	ActPublish    = "publish"    // write drafts and publish
	ActMassSend   = "mass_send"  // send publications to followers
	ActMedia      = "media"      // manage the media library
	ActMenu       = "menu"       // edit the custom menu
	ActAutoReply  = "autoreply"  // edit auto-replies
	ActInbox      = "inbox"      // answer followers in the customer-service inbox
	ActFollowers  = "followers"  // see followers, tag, remark, blacklist
	ActAnalytics  = "analytics"  // read analytics
	ActDeveloper  = "developer"  // developer settings: server URL, keys, push log
	ActSecret     = "secret"     // reset the AppSecret
	ActTeam       = "team"       // invite and remove members, change roles
	ActPayments   = "payments"   // merchant profile, products, orders, refunds
	ActCompliance = "compliance" // see violations and appeal penalties
	ActOwnData    = "own_data"   // export and import the account's data (owners only)
	ActSettings   = "settings"   // the account's own settings: its time zone (owners only)
)

var permissions = map[string]map[string]bool{
	RoleOwner: nil, // everything
	RoleAdmin: set(ActView, ActProfile, ActPublish, ActMassSend, ActMedia, ActMenu, ActAutoReply, ActInbox, ActFollowers,
		ActAnalytics, ActDeveloper, ActSecret, ActTeam, ActPayments, ActCompliance),
	RolePublisher: set(ActView, ActPublish, ActMassSend, ActMedia, ActAnalytics),
	RoleAgent:     set(ActView, ActInbox, ActFollowers),
	RoleAnalyst:   set(ActView, ActAnalytics),
}

// Can reports whether a member with role may take action.
func Can(role, action string) bool {
	p, ok := permissions[role]
	if !ok {
		return false
	}
	return p == nil || p[action]
}

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
