// Package errs defines the kinds of failure that domain code reports, so that
// each surface (HTML pages, JSON, the WeChat-compatible API) can map them in one
// place without the domain layer knowing about HTTP.
package errs

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error for the surfaces that present it.
type Kind int

// The kinds of domain error.
const (
	KindInternal     Kind = iota
	KindInvalid           // the input breaks a rule; Message says which
	KindNotFound          // the thing does not exist or is not visible to the caller
	KindConflict          // the thing exists already, or the state forbids the change
	KindForbidden         // the caller may not do this
	KindUnauthorized      // the caller is not signed in / not authenticated
	KindTooMany           // a rate limit or quota was hit
)

// Error is a domain error with a message that is safe to show to the user.
type Error struct {
	Kind    Kind
	Message string
	Field   string // optional: the form field the message is about
	Err     error  // optional cause, kept for logs
	// Format and Args are what Message was made of, so that a face can
	// write the message in the reader's language (the format is the
	// catalogue's key; see package i18n).
	Format string
	Args   []any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, errs.NotFound) match any error of the same kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Kind == e.Kind
}

// Sentinels for errors.Is checks by kind.
var (
	NotFound     = &Error{Kind: KindNotFound}
	Invalid      = &Error{Kind: KindInvalid}
	Conflict     = &Error{Kind: KindConflict}
	Forbidden    = &Error{Kind: KindForbidden}
	Unauthorized = &Error{Kind: KindUnauthorized}
	TooMany      = &Error{Kind: KindTooMany}
)

// New returns an error of the given kind with a user-facing message.
func New(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Invalidf reports input that breaks a rule.
func Invalidf(format string, args ...any) *Error { return New(KindInvalid, format, args...) }

// FieldInvalid reports input that breaks a rule for one form field.
func FieldInvalid(field, format string, args ...any) *Error {
	e := New(KindInvalid, format, args...)
	e.Field = field
	return e
}

// NotFoundf reports a missing thing.
func NotFoundf(format string, args ...any) *Error { return New(KindNotFound, format, args...) }

// Conflictf reports a clash with existing state.
func Conflictf(format string, args ...any) *Error { return New(KindConflict, format, args...) }

// Forbiddenf reports a permission failure.
func Forbiddenf(format string, args ...any) *Error { return New(KindForbidden, format, args...) }

// TooManyf reports a rate limit or quota.
func TooManyf(format string, args ...any) *Error { return New(KindTooMany, format, args...) }

// KindOf returns the kind of err, KindInternal when it is not a domain error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Message returns the user-facing message of err, or a generic one.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return genericMessage
}

// MessageIn returns the user-facing message of err written by translate,
// which takes a format and its arguments as fmt.Sprintf does (a locale's
// T): the message in the reader's language. An error made without a format
// keeps its message; a failure that is not a domain error gets the generic
// message, translated.
func MessageIn(err error, translate func(format string, args ...any) string) string {
	return MessageWith(err, translate, Values{})
}

// Values says how a face writes the values of a message that are neither
// a text nor a phrase: a Moment (nil: its String, UTC digits), a Quote
// (nil: its String, in quotation marks) and Content (nil: as it is).
type Values struct {
	Moment  func(time.Time) string
	Quote   func(string) string
	Content func(string) string
}

// MessageWith is MessageIn with the message's moments and quotes written
// as v says.
func MessageWith(err error, translate func(format string, args ...any) string, v Values) string {
	var e *Error
	switch {
	case errors.As(err, &e) && e.Format != "":
		return translate(e.Format, textsIn(e.Args, translate, v)...)
	case e != nil && e.Message != "":
		return e.Message
	}
	return translate(genericMessage)
}

// Text is a value of a message that is itself a text of the catalogue (a
// state's label, a feature's name): MessageIn writes it in the reader's
// language too, where a plain string would stay as written. In Message it
// reads as its English key.
type Text string

// Quote is a value of a message that is content, quoted as written after
// the message's sentence (the rule a reviewer typed): never translated.
// In text it is written in quotation marks; a page shows it as a <q>
// marked with its own language (Values.Quote).
type Quote string

func (q Quote) String() string { return "“" + string(q) + "”" }

// Content is a value of a message that is content written inside the
// sentence as it is (a button's name, a keyword): never translated, and
// marked so on a page (Values.Content); in text it is the string itself.
type Content string

func (c Content) String() string { return string(c) }

// Moment is a value of a message that is a moment (when a penalty ends):
// a face writes it in the reader's language and zone (Values.Moment); in
// Message it reads as UTC digits.
type Moment time.Time

func (m Moment) String() string { return time.Time(m).UTC().Format("2006-01-02 15:04 UTC") }

// Phrase is a value of a message that is a text of the catalogue with
// values of its own (a sentence a longer message quotes): MessageIn writes
// it in the reader's language, its Text and Phrase values too.
type Phrase struct {
	Format string
	Args   []any
}

func (p Phrase) String() string { return fmt.Sprintf(p.Format, p.Args...) }

// Enumerate joins values as one: "a, b, c" in English, each pair through the
// catalogue's "%s, %s" so that a language writes its own separator; "" for
// none, the value itself for one.
func Enumerate(items []any) any {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return Phrase{Format: "%s, %s", Args: []any{items[0], Enumerate(items[1:])}}
}

// In writes the phrase with translate (a locale's T), its values too.
func (p Phrase) In(translate func(format string, args ...any) string) string {
	return p.With(translate, Values{})
}

// With is In with the phrase's moments and quotes written as v says.
func (p Phrase) With(translate func(format string, args ...any) string, v Values) string {
	return translate(p.Format, textsIn(p.Args, translate, v)...)
}

// textsIn returns args with its Text and Phrase values written by
// translate, and its moments and quotes as v says; args itself is left as
// it is.
func textsIn(args []any, translate func(format string, args ...any) string, v Values) []any {
	out := args
	copied := false
	for i, a := range args {
		var s string
		switch x := a.(type) {
		case Text:
			s = translate(string(x))
		case Phrase:
			s = x.With(translate, v)
		case Moment:
			if v.Moment == nil {
				continue
			}
			s = v.Moment(time.Time(x))
		case Quote:
			if v.Quote == nil {
				continue
			}
			s = v.Quote(string(x))
		case Content:
			if v.Content == nil {
				continue
			}
			s = v.Content(string(x))
		default:
			continue
		}
		if !copied {
			out, copied = append([]any(nil), args...), true
		}
		out[i] = s
	}
	return out
}

const genericMessage = "Something went wrong on our side. Please try again."

// Wrap adds context to *errp when it is a failure of the machinery (the
// database, the network): used as
//
//	defer errs.Wrap(&err, "tmplmsg.Store.Send(%d)", accountID)
//
// at a store's boundary, a failure in the log then says which operation
// failed ("tmplmsg.Store.Send(42): context deadline exceeded"). Domain
// errors (an *Error anywhere in the chain: kinds, db.ErrNotFound, coded
// refusals) are left as they are, so that callers compare them, read their
// kind and show their message unchanged. A nil *errp stays nil.
func Wrap(errp *error, format string, args ...any) {
	if *errp == nil {
		return
	}
	var e *Error
	if errors.As(*errp, &e) {
		return
	}
	*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
}
