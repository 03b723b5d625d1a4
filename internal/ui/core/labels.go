package core

import (
	"strings"
	"unicode"

	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/review"
)

// Labels: the words people read for the codes Herald stores (states,
// languages, features). Templates write {{label .State}}; a code with no
// label is shown with its underscores as spaces.

var languageLabels = map[string]string{
	"en":    "English",
	"zh_CN": "Chinese (Simplified)",
	"zh_TW": "Chinese (Traditional)",
	"zh_HK": "Chinese (Hong Kong)",
}

// codeLabels: the features that penalties restrict.
var codeLabels = map[string]string{
	review.FeaturePublishing: "publishing", review.FeatureMassSend: "mass send", review.FeatureMessaging: "messaging", review.FeatureComments: "comments",
}

// Label is the label of a code for people: a language, an order's state
// (pay.StateLabel), an application's state (review.StateLabel), a feature;
// the code with spaces for underscores when Herald has no better word.
// Labels are lower case, as badges and sentences use them.
func Label(code string) string {
	if l, ok := languageLabels[code]; ok {
		return l
	}
	if l, ok := codeLabels[code]; ok {
		return l
	}
	if l := pay.StateLabel(code); l != code {
		return l
	}
	if l := review.StateLabel(code); l != code {
		return strings.TrimPrefix(l, "a ")
	}
	return strings.ReplaceAll(code, "_", " ")
}

// LanguageLabel names a language code ("zh_CN": Chinese (Simplified)).
func LanguageLabel(code string) string {
	if l, ok := languageLabels[code]; ok {
		return l
	}
	return code
}

// ContentLang guesses the language of a short text people wrote (a rule a
// reviewer typed), for the lang attribute of the element that shows it:
// "zh" when it has Han characters, "en" when its letters are all Latin,
// "" (unknown) otherwise.
func ContentLang(s string) string {
	latin := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			return "zh"
		case unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r):
			return ""
		case unicode.IsLetter(r):
			latin = true
		}
	}
	if latin {
		return "en"
	}
	return ""
}
