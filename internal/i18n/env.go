package i18n

import "strings"

// FromEnv returns the language of a command-line program's messages, from
// the POSIX locale variables getenv reads: the first set of LC_ALL,
// LC_MESSAGES and LANG. zh_CN (and zh_SG, zh) is Simplified Chinese,
// zh_TW and zh_HK (and zh_MO) Traditional; anything else, "C" and unset
// included, is English.
func FromEnv(getenv func(string) string) Lang {
	if getenv == nil {
		return English
	}
	var v string
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v = getenv(name); v != "" {
			break
		}
	}
	if i := strings.IndexAny(v, ".@"); i >= 0 {
		v = v[:i] // zh_CN.UTF-8, sr_RS@latin
	}
	switch strings.ToLower(strings.ReplaceAll(v, "-", "_")) {
	case "zh_cn", "zh_sg", "zh", "zh_hans", "zh_hans_cn":
		return Simplified
	case "zh_tw", "zh_hk", "zh_mo", "zh_hant", "zh_hant_tw":
		return Traditional
	}
	return English
}
