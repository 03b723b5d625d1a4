package message

import "testing"

func TestScriptURL(t *testing.T) {
	for u, want := range map[string]bool{
		"javascript:alert(1)": true, "JaVaScRiPt:alert(1)": true, " \x01javascript:x": true, "java\tscript:x": true,
		"jav\na\rscript:x": true, "vbscript:msgbox": true, "data:text/html,<script>": true, "DATA:image/png;base64,": true,
		"https://example.com/a?javascript:": false, "http://example.com": false, "weixin://dl/chat": false, "": false,
		"/relative/javascript:": false, "javascript": false,
	} {
		if got := ScriptURL(u); got != want {
			t.Errorf("ScriptURL(%q) = %v, want %v", u, got, want)
		}
	}
}

// FuzzScriptURL: a link whose scheme, once the characters browsers ignore
// are dropped, is javascript:, vbscript: or data: is always caught.
func FuzzScriptURL(f *testing.F) {
	f.Add("javascript:alert(1)", " \t")
	f.Add("https://example.com", "")
	f.Fuzz(func(t *testing.T, rest, noise string) {
		for _, scheme := range []string{"javascript:", "VBScript:", "data:"} {
			var u []byte
			for i := 0; i < len(scheme); i++ {
				u = append(u, scheme[i])
				if i < len(noise) && (noise[i] == '\t' || noise[i] == '\n' || noise[i] == '\r') {
					u = append(u, noise[i])
				}
			}
			if !ScriptURL(" " + string(u) + rest) {
				t.Fatalf("%q not caught", string(u)+rest)
			}
		}
	})
}
