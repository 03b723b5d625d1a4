package wxpath

import "testing"

func TestIsAPI(t *testing.T) {
	for path, want := range map[string]bool{
		"/cgi-bin/token":               true,
		"/sns/oauth2/access_token":     true,
		"/datacube/getusersummary":     true,
		"/connect/oauth2/authorize":    true,
		"/customservice/kfaccount/add": true,
		"/wxaapi/newtmpl/getcategory":  true,
		"/":                            false,
		"/mp/":                         false,
		"/cgi-bin":                     false, // the bare folder is not a call
		"/static/cgi-bin/token":        false,
		"/pay/v3/transactions/jsapi":   false,
	} {
		if got := IsAPI(path); got != want {
			t.Errorf("IsAPI(%q) = %v, want %v", path, got, want)
		}
	}
}
