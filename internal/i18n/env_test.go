package i18n

import "testing"

func TestFromEnv(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want Lang
	}{
		{nil, English},
		{map[string]string{"LANG": "C"}, English},
		{map[string]string{"LANG": "en_US.UTF-8"}, English},
		{map[string]string{"LANG": "fr_FR.UTF-8"}, English},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, Simplified},
		{map[string]string{"LANG": "zh_SG.UTF-8"}, Simplified},
		{map[string]string{"LANG": "zh_TW.UTF-8"}, Traditional},
		{map[string]string{"LANG": "zh_HK.Big5-HKSCS"}, Traditional},
		// LC_ALL overrides LC_MESSAGES, which overrides LANG.
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_TW.UTF-8"}, Traditional},
		{map[string]string{"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "zh_TW.UTF-8", "LC_ALL": "C"}, English},
		{map[string]string{"LANG": "zh_TW.UTF-8", "LC_ALL": "zh_CN.GB18030"}, Simplified},
	} {
		if got := FromEnv(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("FromEnv(%v) = %s, want %s", c.env, got, c.want)
		}
	}
	if got := FromEnv(nil); got != English {
		t.Errorf("FromEnv(nil) = %s, want en", got)
	}
}
