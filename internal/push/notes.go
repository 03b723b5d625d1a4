package push

import (
	"encoding/json"
	"strings"
	"sync"

	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/jsontext"
)

// The push log keeps its explanations as codes and values, not prose: a
// row stores ["sign","1765000000","42","0f3a…"] where it used to store
// the sentence, and the sentence is written when the log is shown, in the
// reader's language, from the catalogue (locales/*/pushlog.json). Rows
// logged before codes hold English prose; they are shown as written.

// Note is an explanation kept as data: a code of noteTexts and the values
// its text needs. Prose is set instead for a text logged as English prose
// before codes existed.
type Note struct {
	Code  string
	Args  []string
	Prose string
}

func note(code string, args ...string) Note { return Note{Code: code, Args: args} }

// IsZero reports whether n says nothing.
func (n Note) IsZero() bool { return n.Code == "" && n.Prose == "" }

// Legacy reports whether n is English prose logged before codes: pages
// mark it as English.
func (n Note) Legacy() bool { return n.Code == "" && n.Prose != "" }

// In writes n in l's language; a nil l writes English (command-line
// output, logs).
func (n Note) In(l *i18n.Locale) string {
	if n.Code == "" {
		return n.Prose
	}
	t, ok := noteTexts[n.Code]
	if !ok { // a code from a newer Herald: its values at least
		return strings.Join(append([]string{n.Code}, n.Args...), " ")
	}
	if c := n.Content(); c != "" {
		return l.T("%s: %s", n.Label(l), c)
	}
	return t.write(l, n.Args[min(t.stepArgs, len(n.Args)):], false)
}

// English is n in English.
func (n Note) English() string { return n.In(english()) }

// Check is one explained step of a delivery: what Herald computed or
// verified, and whether it passed. Its step and detail are written from
// its code (StepIn, DetailIn); a check logged before codes has them as
// English prose in Step and Detail.
type Check struct {
	OK     bool
	Code   string
	Args   []string
	Step   string // prose of a check logged before codes
	Detail string
}

func check(ok bool, code string, args ...string) Check { return Check{OK: ok, Code: code, Args: args} }

// Legacy reports whether c was logged as English prose.
func (c Check) Legacy() bool { return c.Code == "" }

// Note is what c says: its detail as a Note.
func (c Check) Note() Note {
	if c.Code == "" {
		return Note{Prose: c.Detail}
	}
	return Note{Code: c.Code, Args: c.Args}
}

// StepIn is the name of c's step in l's language (nil: English).
func (c Check) StepIn(l *i18n.Locale) string {
	if c.Code == "" {
		return c.Step
	}
	t, ok := noteTexts[c.Code]
	if !ok || t.step == "" {
		return c.Code
	}
	return l.T(t.step, strArgs(c.Args, 0, t.stepArgs)...)
}

// DetailIn is what c explains, in l's language (nil: English).
func (c Check) DetailIn(l *i18n.Locale) string { return c.Note().In(l) }

// noteText is how a code is written: step (for a check) takes the first
// stepArgs values; format the next ones, and with nested set its last verb
// is another note, written from the values after format's own. An empty
// format writes its one value as it is (an error from the network or a
// library, in its own words).
type noteText struct {
	step     string
	stepArgs int
	format   string
	nested   bool
	content  bool // the values after format's are content (Note.Content)
	// network: the values after format's are a network error in Go's
	// words, shown as content (in English); an empty format writes the
	// sentence of the error's kind (netFailure).
	network bool
}

// write formats t with args (the values after the step's); a nested
// note is written whole, or, when label is set, without its content.
func (t noteText) write(l *i18n.Locale, args []string, label bool) string {
	if t.network && t.format == "" {
		return l.Text(netFailure(strings.Join(args, " ")))
	}
	if t.format == "" {
		return strings.Join(args, " ")
	}
	n := verbs(t.format)
	if !t.nested {
		return l.T(t.format, strArgs(args, 0, n)...)
	}
	own := strArgs(args, 0, n-1)
	inner := nestedNote(args, n)
	if label {
		return l.T(t.format, append(own, inner.Label(l))...)
	}
	return l.T(t.format, append(own, inner.In(l))...)
}

// nestedNote is the note nested in the values args of a text with n verbs.
func nestedNote(args []string, n int) Note {
	if len(args) > n-1 && n > 0 {
		return Note{Code: args[n-1], Args: args[n:]}
	}
	return Note{}
}

// netFailure is the sentence (a key of pushlog.json) for a network error
// as Go words it: one per kind a developer can act on, the error itself
// shown after it as written. An error of no known kind is "The connection
// failed".
func netFailure(err string) string {
	for _, k := range netFailures {
		for _, m := range k.match {
			if strings.Contains(err, m) {
				return k.text
			}
		}
	}
	return "the connection failed"
}

var netFailures = []struct {
	match []string
	text  string
}{
	{[]string{"connection refused"}, "the server refused the connection"},
	{[]string{"no such host", "server misbehaving", "lookup "}, "the server's name could not be found"},
	{[]string{"i/o timeout", "deadline exceeded", "Client.Timeout", "no answer in time"}, "no answer in time"},
	{[]string{"x509:", "tls:", "certificate", "first record does not look like a TLS handshake"}, "the secure connection (HTTPS) failed"},
	{[]string{"connection reset", "broken pipe", "EOF", "server closed"}, "the server closed the connection before answering"},
	{[]string{"network is unreachable", "no route to host", "host is down", "host is unreachable"}, "the server's network cannot be reached"},
}

// verbs counts the fmt verbs of s (%% is none).
func verbs(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+1 < len(s) && s[i+1] == '%' {
				i++
				continue
			}
			n++
		}
	}
	return n
}

// strArgs is args[from:from+n] as values for fmt, "" where args are short.
func strArgs(args []string, from, n int) []any {
	out := make([]any, n)
	for i := range n {
		out[i] = ""
		if from+i < len(args) {
			out[i] = args[from+i]
		}
	}
	return out
}

// english is the English locale of the built-in catalogue (nil, which
// writes the keys themselves, if it failed to load).
var english = sync.OnceValue(func() *i18n.Locale {
	if c, err := i18n.Builtin(); err == nil {
		return c.Locale(i18n.English)
	}
	return nil
})

// appendNote appends code and args as a JSON array of strings.
func appendNote(b []byte, code string, args []string) []byte {
	b = append(b, '[')
	b = jsontext.AppendString(b, code)
	for _, a := range args {
		b = append(b, ',')
		b = jsontext.AppendString(b, a)
	}
	return append(b, ']')
}

// noteColumn is how a Note is stored: its code and values as a JSON array,
// or "" for none.
func noteColumn(n Note) string {
	if n.Code == "" {
		return n.Prose
	}
	var small [256]byte // most notes: built on the stack, one copy to the heap
	return string(appendNote(small[:0], n.Code, n.Args))
}

// parseNote reads a stored Note: a JSON array of strings, or prose logged
// before codes.
func parseNote(s string) Note {
	if strings.HasPrefix(s, `["`) {
		var a []string
		if json.Unmarshal([]byte(s), &a) == nil && len(a) > 0 {
			return Note{Code: a[0], Args: a[1:]}
		}
	}
	return Note{Prose: s}
}

// Label is n's own text in l's language: its format with its values, and
// without the content it names (Content). Prose logged before codes is
// its whole text.
func (n Note) Label(l *i18n.Locale) string {
	if n.Code == "" {
		return n.Prose
	}
	t, ok := noteTexts[n.Code]
	if !ok {
		return n.Code
	}
	args := n.Args[min(t.stepArgs, len(n.Args)):]
	if t.content {
		args = args[:min(verbs(t.format), len(args))]
	}
	return t.write(l, args, true)
}

// Content is what n names that is not Herald's text (the follower's
// message, a reply's text, an event's key, a network error in Go's
// words), its nested note's included: shown as written.
func (n Note) Content() string {
	t, ok := noteTexts[n.Code]
	if !ok {
		return ""
	}
	args := n.Args[min(t.stepArgs, len(n.Args)):]
	switch {
	case t.network:
		return strings.Join(args[min(verbs(t.format), len(args)):], " ")
	case t.nested:
		return nestedNote(args, verbs(t.format)).Content()
	case t.content:
		return strings.Join(args[min(verbs(t.format), len(args)):], " ")
	}
	return ""
}

// ContentLang is the language of n's Content when it is known: "en" for a
// network error, which Go writes in English.
func (n Note) ContentLang() string {
	t, ok := noteTexts[n.Code]
	switch {
	case !ok:
		return ""
	case t.network:
		return "en"
	case t.nested:
		return nestedNote(n.Args[min(t.stepArgs, len(n.Args)):], verbs(t.format)).ContentLang()
	}
	return ""
}

// noteTexts are the codes of the push log and how each is written; the
// keys are in locales/*/pushlog.json. Codes are stored: never change one's
// meaning, add another.
var noteTexts = map[string]noteText{
	// What was pushed (Delivery.Summary); content: the message's own text.
	"m.text":       {format: "Text message", content: true},
	"m.link":       {format: "Link message", content: true},
	"m.location":   {format: "Location message", content: true},
	"m.image":      {format: "Image message"},
	"m.voice":      {format: "Voice message"},
	"m.video":      {format: "Video message"},
	"m.shortvideo": {format: "Short video message"},
	"m.other":      {format: "Message of type %s"},
	"m.event":      {format: "Event push", content: true},
	"m.verify":     {format: "URL verification (echostr)"},

	// The reply as understood (Delivery.Reply).
	"r.none":     {format: "No reply"},
	"r.text":     {format: "Text reply", content: true},
	"r.news":     {format: "News reply, articles: %s"},
	"r.image":    {format: "Image reply"},
	"r.voice":    {format: "Voice reply"},
	"r.video":    {format: "Video reply"},
	"r.music":    {format: "Music reply"},
	"r.transfer": {format: "Transfer to the customer-service inbox"},
	"r.other":    {format: "Reply of type %s"},

	// Checks.
	"sign":       {step: "Sign the request", format: "signature = sha1 of the sorted, joined Token, timestamp %s and nonce %s = %s"},
	"build":      {step: "Build the message"},
	"key":        {step: "Encrypt", format: "The EncodingAESKey is not usable: %s"},
	"encrypt.no": {step: "Encrypt"},
	"encrypt": {step: "Encrypt the message", format: "AES-256-CBC with the key decoded from the EncodingAESKey (IV = its first 16 bytes); " +
		"plaintext = 16 random bytes, the 4-byte length %s, the XML and the AppID %s, padded to 32 bytes; " +
		"msg_signature = sha1 of the sorted Token, timestamp, nonce and Encrypt = %s"},
	"try":        {step: "Attempt %s", stepArgs: 1, format: "HTTP 200 in %s, %s bytes"},
	"try.status": {step: "Attempt %s", stepArgs: 1, format: "HTTP %s in %s; WeChat expects 200"},
	"try.error":  {step: "Attempt %s", stepArgs: 1, format: "Failed after %s: %s", nested: true},
	"delivery":   {step: "Delivery result", format: "No usable answer after %s attempts: %s", nested: true},
	"reply":      {step: "Deliver the reply", format: "%s", nested: true},
	"reply.media": {step: "Deliver the reply",
		format: "The reply names media_id %q, which is unknown or expired (upload it with media/upload first)."},
	"reply.type":  {step: "Deliver the reply", format: "WeChat has no reply of type %q."},
	"read.none":   {step: "Read the reply", format: `Empty body or "success": no reply, and no auto-reply either.`},
	"read.plain":  {step: "Read the reply", format: "A plaintext reply, which compatible mode accepts."},
	"read.safe":   {step: "Read the reply", format: `Safe mode needs an encrypted reply (<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>), "success" or an empty body; this is plaintext.`},
	"read.xml":    {step: "Read the reply", format: "The reply is not one well-formed XML document: %s"},
	"read.empty":  {step: "Read the reply", format: "The encrypted reply is empty: no reply."},
	"msgsig.bad":  {step: "Check the reply's MsgSignature", format: "sha1 of the sorted Token, TimeStamp %s, Nonce %s and Encrypt is %s, but the reply says %s: is the Token on your server the same as here?"},
	"msgsig":      {step: "Check the reply's MsgSignature", format: "matches sha1 of the sorted Token, TimeStamp, Nonce and Encrypt: %s"},
	"decrypt.no":  {step: "Decrypt the reply", format: "AES decryption failed (%s): is the EncodingAESKey on your server the same as here?"},
	"decrypt.app": {step: "Decrypt the reply", format: "The reply was encrypted for AppID %q, not this account's %q."},
	"decrypt":     {step: "Decrypt the reply", format: "decrypted %s bytes; the AppID inside is %s, as expected"},
	"parse.no":    {step: "Parse the reply", format: "WeChat would show the follower an error for this reply: %s"},
	"parse.to":    {step: "Parse the reply", format: "Note: ToUserName is %q, but the follower's openid is %q; delivered to the follower anyway."},
	"parse":       {step: "Parse the reply", format: "A valid %s reply."},
	"echo":        {step: "Check the echostr answer", format: "Your server answered with the echostr."},
	"echo.status": {step: "Check the echostr answer", format: "Your server answered HTTP %s; it must answer 200 with the echostr."},
	"echo.wrong":  {step: "Check the echostr answer", format: "Your server answered %q, but it must answer exactly the echostr %q. Check that it uses the same Token."},
	"echo.down":   {step: "Check the echostr answer", format: "Your server could not be reached: %s", nested: true},

	// Why an attempt failed (nested in try.error, delivery, echo.down).
	"why.timeout": {format: "no answer within %s"},
	"why.late":    {format: "no answer in time"},
	"why.busy":    {format: "no free connection to %s in time", network: true},
	"why.read":    {format: "reading the answer failed", network: true},
	"why.status":  {format: "HTTP %s"},
	"why.count":   {format: "counting the attempt: %s"},
	"why.spent":   {format: "no attempt left: a node that stopped had made all %s"},
	"why.blocked": {format: "Herald does not connect to %s: it is %s. Use a public address (the platform operator can allow private ranges with --outbound-allow)."},
	"why.error":   {network: true}, // the error in Go's words: its kind's sentence, then the error as content
}
