package errs

import "errors"

// Fields gathers the errors one validation finds, so that a form can show
// them all at once instead of one per submission:
//
//	var fe errs.Fields
//	if name == "" {
//		fe.Add(errs.FieldInvalid("name", "Enter a name."))
//	}
//	...
//	return fe.Err()
type Fields struct{ list List }

// Add records err (nil is ignored; a List adds each of its errors) and
// reports whether it was an error.
func (f *Fields) Add(err error) bool {
	if err == nil {
		return false
	}
	if l, ok := err.(List); ok {
		f.list = append(f.list, l...)
		return true
	}
	f.list = append(f.list, err)
	return true
}

// Has reports whether an error was recorded for field.
func (f *Fields) Has(field string) bool {
	for _, err := range f.list {
		var e *Error
		if errors.As(err, &e) && e.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when nothing was recorded, the one error when one was,
// and a List of them all otherwise.
func (f *Fields) Err() error {
	switch len(f.list) {
	case 0:
		return nil
	case 1:
		return f.list[0]
	}
	return f.list
}

// List is several errors found by one validation. It reads as its first
// error: Error, errors.Is and errors.As, KindOf, Message and a WeChat
// errcode all see the first, so a caller that reports one error (the
// developer API) is unchanged; All lists every one for a form.
type List []error

func (l List) Error() string { return l[0].Error() }

// Unwrap returns the first error.
func (l List) Unwrap() error { return l[0] }

// All returns the domain errors in err: each error of a List (in the order
// found), or err's own; nil when err holds no domain error.
func All(err error) []*Error {
	var l List
	if !errors.As(err, &l) {
		var e *Error
		if errors.As(err, &e) {
			return []*Error{e}
		}
		return nil
	}
	var out []*Error
	for _, x := range l {
		var e *Error
		if errors.As(x, &e) {
			out = append(out, e)
		}
	}
	return out
}
