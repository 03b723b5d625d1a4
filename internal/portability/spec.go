// Package portability moves an Official Account's data in and out of Herald:
// the account archive (a zip of JSON Lines files and media files with a
// manifest of SHA-256 checksums, docs/portability.md), its streaming export
// and validated, idempotent import, and the follower CSV.
package portability

import (
	"fmt"
	"strings"
)

// FormatName and SchemaVersion identify the archive format. A reader refuses
// an archive of a newer schema version than it knows.
const (
	FormatName    = "herald-account-archive"
	SchemaVersion = 1
)

// kind says how a column is carried in the archive.
type kind byte

const (
	kInt     kind = 'i' // integer, a JSON number
	kBool    kind = 'b' // boolean
	kString  kind = 's' // text
	kText    kind = 't' // text that may name media_ids, draft ids or article ids (M…, D…, A…): rewritten on import
	kMedia   kind = 'm' // a media-store key: the file travels in media/
	kKey     kind = 'K' // the row's own id: a decimal string, a new id on import
	kRef     kind = 'R' // an id of another row of the archive: a decimal string, remapped on import
	kAccount kind = 'A' // the account's id: not carried, the importing account's on import
	kPerson  kind = 'P' // a person: carried as the follower's openid (field "follower"), or "visitor:N" for someone who never followed
	kLibrary kind = 'L' // a template-library id: carried as its short_id (field "library")
	kZero    kind = 'z' // not carried (a staff member or a platform-local number): 0 on import
	kBlank   kind = 'e' // not carried (a platform-local secret): '' on import
	kOwner   kind = 'O' // a staff member the database requires: not carried, the importing account's owner on import
	kCounter kind = 'N' // a platform counter's number (msg_data_id): a fresh number on import
)

// column is one column of a table as the archive carries it.
type column struct {
	name  string // the database column
	field string // the JSON field ("" when not carried)
	kind  kind
}

// table is one JSON Lines file of the archive: the rows of a table that
// belong to the account.
type table struct {
	file    string // e.g. "messages.jsonl"
	name    string // SQL table
	where   string // filter on t (the table), %d is the account id
	order   string // a total order, so exports are repeatable
	cols    []column
	counter string // for kCounter columns: the counters row
	// exportOnly tables are carried for the owner's records and not imported.
	exportOnly bool
}

// parseCols reads "name:kind name:kind ...".
func parseCols(spec string) []column {
	var out []column
	for _, f := range strings.Fields(spec) {
		name, k, ok := strings.Cut(f, ":")
		if !ok || len(k) != 1 {
			panic("portability: bad column spec " + f)
		}
		c := column{name: name, field: name, kind: kind(k[0])}
		switch c.kind {
		case kAccount, kZero, kBlank, kOwner:
			c.field = ""
		case kPerson:
			c.field = "follower"
		case kLibrary:
			c.field = "library"
		}
		out = append(out, c)
	}
	return out
}

const byAccount = "t.account_id = %d"

// tables lists, in import order (a row's references come before it), every
// file of the archive apart from manifest.json, account.json, followers.jsonl
// and media.jsonl, which have their own code.
var tables = []*table{
	{file: "tags.jsonl", name: "tags", where: byAccount, order: "t.id",
		cols: parseCols("account_id:A id:i name:s name_key:s follower_count:i created_at:i")},
	{file: "tag_members.jsonl", name: "tag_members", where: byAccount, order: "t.tag_id, follower, t.person_id",
		cols: parseCols("account_id:A tag_id:i person_id:P created_at:i")},
	{file: "media_assets.jsonl", name: "media_assets", where: byAccount, order: "t.id",
		cols: parseCols("id:K account_id:A kind:s media_key:m content_type:s size:i name:s created_at:i title:s introduction:s " +
			// Imported files get a new token, and the published mark when a
			// published article uses them, in the import's transaction
			// (publish.MarkImportedMedia); publish.AuditMedia checks their
			// dimensions again.
			"token:e published_at:z audited_at:z withdrawn:e")},
	{file: "media_asset_counts.jsonl", name: "media_asset_counts", where: byAccount, order: "t.kind",
		cols: parseCols("account_id:A kind:s n:i")},
	{file: "publications.jsonl", name: "publications", where: byAccount, order: "t.id", counter: "msg_data_id",
		cols: parseCols("id:K account_id:A kind:s state:s title:s cover_media_id:t video_media_id:t article_count:i first_article_id:R " +
			"preview_key:s mass_sent:b published_at:i folder_at:i created_by:z created_at:i updated_at:i msg_data_id:N")},
	{file: "articles.jsonl", name: "articles", where: byAccount, order: "t.id",
		cols: parseCols("id:K publication_id:R account_id:A idx:i title:s author:s digest:s cover_media_id:t body_format:s body_source:t " +
			"body_html:t source_url:s comments_open:b fans_only_comments:b like_count:i wow_count:i comment_count:i deleted:b created_at:i " +
			"updated_at:i show_cover_pic:b pic_crop_235_1:s pic_crop_1_1:s image_media_ids:t")},
	{file: "article_comments.jsonl", name: "article_comments", where: byAccount, order: "t.id",
		cols: parseCols("id:K article_id:R account_id:A person_id:P body:s featured:b reply:s replied_at:i deleted:b created_at:i")},
	{file: "article_reactions.jsonl", name: "article_reactions",
		where: "t.article_id IN (SELECT a.id FROM articles a WHERE a.account_id = %d)", order: "t.article_id, follower, t.person_id, t.kind",
		cols: parseCols("article_id:R person_id:P kind:s created_at:i")},
	{file: "menus.jsonl", name: "menus", where: byAccount, order: "t.id",
		cols: parseCols("id:K account_id:A conditional:b tag_id:i client_platform_type:s buttons:t created_at:i")},
	{file: "autoreply_rules.jsonl", name: "autoreply_rules", where: byAccount, order: "t.id",
		cols: parseCols("id:K account_id:A kind:s name:s enabled:b reply_mode:s keywords:s replies:t created_at:i updated_at:i")},
	{file: "template_industries.jsonl", name: "template_industries", where: byAccount, order: "t.account_id",
		cols: parseCols("account_id:A industry1:i industry2:i changed_at:i")},
	{file: "templates.jsonl", name: "account_templates", where: byAccount, order: "t.id",
		cols: parseCols("id:K account_id:A template_id:s library_id:L industry:i title:s content:s example:s created_at:i")},
	// A Service account's mass sends: each part once, and its recipients
	// (docs/publishing.md, "Service-account sends: stored once").
	{file: "broadcasts.jsonl", name: "broadcasts", where: byAccount, order: "t.id",
		cols: parseCols("id:K send_id:R account_id:A job_id:z kind:s body:t preview:s created_at:i")},
	{file: "broadcast_recipients.jsonl", name: "broadcast_recipients",
		where: "t.send_id IN (SELECT b.send_id FROM broadcasts b WHERE b.account_id = %d)", order: "t.send_id, follower, t.person_id",
		cols: parseCols("send_id:R person_id:P")},
	{file: "messages.jsonl", name: "messages", where: byAccount, order: "t.id",
		cols: parseCols("id:K account_id:A person_id:P direction:s kind:s sender:s agent_id:z body:t created_at:i")},
	{file: "conversations.jsonl", name: "conversations", where: byAccount, order: "follower, t.person_id",
		cols: parseCols("account_id:A person_id:P last_message_id:R last_at:i last_preview:s follower_unread:i account_unread:i " +
			"last_inbound_at:i window_expires_at:i window_remaining:i inbox_state:s assignee_id:z follower_read_id:z")},
	{file: "inbox_notes.jsonl", name: "inbox_notes", where: byAccount, order: "t.id",
		cols: parseCols("id:K account_id:A person_id:P author_id:O body:s created_at:i")},
	{file: "template_sends.jsonl", name: "template_sends", where: byAccount, order: "t.id",
		cols: parseCols("id:K account_id:A person_id:P openid:s template_id:s title:s url:s client_msg_id:s dedupe_key:s status:s " +
			"push_state:s push_claimed_at:i created_at:i message_id:R")},
	{file: "qr_codes.jsonl", name: "qr_tickets", where: byAccount, order: "t.ticket",
		cols: parseCols("ticket:s account_id:A action:s scene:s expires_at:i created_at:i")},
	{file: "web_domains.jsonl", name: "oauth_domains", where: byAccount, order: "t.host",
		cols: parseCols("account_id:A host:s")},
	{file: "webapps.jsonl", name: "webapps", where: byAccount, order: "t.id",
		cols: parseCols("id:K account_id:A appid:s name:s url:s icon_key:m icon_type:s opens:i created_at:i updated_at:i")},
	{file: "developer_settings.jsonl", name: "dev_settings", where: byAccount, order: "t.account_id",
		cols: parseCols("account_id:A server_url:s token:s aes_key:s mode:s enabled:b ip_allowlist:s verified_at:i updated_at:i")},
	{file: "products.jsonl", name: "pay_products", where: byAccount, order: "t.id",
		cols: parseCols("id:K account_id:A name:s description:s price:i stock:i image_key:m image_type:s active:i created_at:i updated_at:i")},
	{file: "orders.jsonl", name: "pay_orders", where: byAccount, order: "t.id",
		cols: parseCols("id:K account_id:A out_trade_no:s person_id:P product_id:R quantity:i description:s amount:i refunded:i state:s " +
			"source:s trade_type:s notify_url:s attach:s transaction_id:s created_at:i paid_at:i closed_at:i updated_at:i")},
	{file: "refunds.jsonl", name: "pay_refunds", where: byAccount, order: "t.id",
		cols: parseCols("id:K account_id:A order_id:R out_refund_no:s amount:i reason:s created_at:i")},
	{file: "ledger_transactions.jsonl", name: "pay_txns", where: byAccount, order: "t.id", exportOnly: true,
		cols: parseCols("id:K kind:s account_id:A person_id:P order_id:R refund_id:R actor_id:z amount:i memo:s created_at:i")},
	{file: "ledger_entries.jsonl", name: "pay_entries",
		where: "t.txn_id IN (SELECT x.id FROM pay_txns x WHERE x.account_id = %d)", order: "t.id", exportOnly: true,
		cols: parseCols("id:K txn_id:R balance_id:z amount:i created_at:i")},
	{file: "analytics_daily.jsonl", name: "analytics_daily", where: byAccount, order: "t.day, t.kind, t.surface, t.object_id",
		cols: parseCols("account_id:A day:s kind:s surface:s object_id:R events:i users:i value_sum:i value_max:i failures:i")},
	{file: "analytics_hourly.jsonl", name: "analytics_hourly", where: byAccount, order: "t.day, t.hour, t.kind, t.surface",
		cols: parseCols("account_id:A day:s hour:i kind:s surface:s events:i users:i value_sum:i value_max:i failures:i")},
	{file: "analytics_demographics.jsonl", name: "analytics_demographics", where: byAccount, order: "t.dimension, t.value",
		cols: parseCols("account_id:A dimension:s value:s followers:i updated_at:i")},
}

// fields lists the JSON fields a table's rows carry, in file order.
func (t *table) fields() []string {
	var out []string
	for _, c := range t.cols {
		if c.field != "" {
			out = append(out, c.field)
		}
	}
	return out
}

// selectSQL is the export query of t for one account.
func (t *table) selectSQL(accountID int64) string {
	var exprs []string
	for _, c := range t.cols {
		switch c.kind {
		case kAccount, kZero, kBlank, kOwner:
			continue
		case kPerson:
			exprs = append(exprs, fmt.Sprintf(`COALESCE((SELECT f.openid FROM follows f WHERE f.account_id = %d AND f.person_id = t.%s), '') AS follower`, accountID, c.name),
				"t."+c.name)
		case kLibrary:
			exprs = append(exprs, `COALESCE((SELECT l.short_id FROM template_library l WHERE l.id = t.`+c.name+`), '') AS library`)
		default:
			exprs = append(exprs, "t."+c.name)
		}
	}
	return `SELECT ` + strings.Join(exprs, ", ") + ` FROM ` + t.name + ` t WHERE ` + fmt.Sprintf(t.where, accountID) + ` ORDER BY ` + t.order
}

// tableByFile finds a table by its archive file name.
func tableByFile(file string) *table {
	for _, t := range tables {
		if t.file == file {
			return t
		}
	}
	return nil
}
