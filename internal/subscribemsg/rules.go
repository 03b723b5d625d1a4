package subscribemsg

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Rules are the value types of subscription-notification keywords; a
// keyword's data key is its rule followed by its kid (thing1, time2).
var Rules = []string{"thing", "number", "letter", "symbol", "character_string", "time", "date", "amount",
	"phone_number", "car_number", "name", "phrase"}

// ValidRule reports whether r is one of Rules.
func ValidRule(r string) bool {
	for _, x := range Rules {
		if x == r {
			return true
		}
	}
	return false
}

var (
	numberRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	letterRE = regexp.MustCompile(`^[A-Za-z]+$`)
	phoneRE  = regexp.MustCompile(`^[0-9+\-() ]+$`)
	amountRE = regexp.MustCompile(`^[¥￥$€£]?[0-9]{1,10}(\.[0-9]{1,2})?元?$`)
)

var timeLayouts = []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", "2006年01月02日 15:04", "2006年01月02日", "15:04", "15:04:05",
	"2006/01/02 15:04", "2006/01/02"}

func isTime(s string) bool {
	for _, part := range strings.Split(s, "~") {
		part = strings.TrimSpace(part)
		ok := false
		for _, l := range timeLayouts {
			if _, err := time.Parse(l, part); err == nil {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func isSymbol(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) }

// CheckValue reports whether value is valid for rule (WeChat's 47003
// rules): thing ≤ 20 characters, number ≤ 32 digits with decimals, letter
// ≤ 32 letters, symbol ≤ 5 symbols, character_string ≤ 32 digits, letters
// or symbols, time and date in date/time formats (ranges joined with ~),
// amount a currency sign and ≤ 10 digits with an optional 元,
// phone_number ≤ 17 digits and symbols, car_number ≤ 8 characters, name ≤
// 10 CJK characters or ≤ 20 letters, phrase ≤ 5 CJK characters. Every
// value must be non-empty.
func CheckValue(rule, value string) bool {
	if value == "" || !utf8.ValidString(value) {
		return false
	}
	n := utf8.RuneCountInString(value)
	switch rule {
	case "thing":
		return n <= 20
	case "number":
		return len(value) <= 32 && numberRE.MatchString(value)
	case "letter":
		return len(value) <= 32 && letterRE.MatchString(value)
	case "symbol":
		if n > 5 {
			return false
		}
		for _, r := range value {
			if !isSymbol(r) {
				return false
			}
		}
		return true
	case "character_string":
		if n > 32 {
			return false
		}
		for _, r := range value {
			if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || isSymbol(r)) {
				return false
			}
		}
		return true
	case "time", "date":
		return n <= 64 && isTime(value)
	case "amount":
		return amountRE.MatchString(value)
	case "phone_number":
		return n <= 17 && phoneRE.MatchString(value)
	case "car_number":
		return n <= 8
	case "name":
		han, latin := 0, 0
		for _, r := range value {
			switch {
			case unicode.Is(unicode.Han, r):
				han++
			case unicode.IsLetter(r) || r == ' ' || r == '.' || r == '-' || r == '·':
				latin++
			default:
				return false
			}
		}
		if han > 0 {
			return n <= 10
		}
		return latin <= 20
	case "phrase":
		if n > 5 {
			return false
		}
		for _, r := range value {
			if !unicode.Is(unicode.Han, r) {
				return false
			}
		}
		return true
	}
	return false
}
