package config

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Parse("serve", nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.DataDir != "./herald-data" || c.BaseURL != "http://127.0.0.1:8080" || c.DatabaseURL != "" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestEnvironmentThenFlags(t *testing.T) {
	e := env(map[string]string{"HERALD_LISTEN": "0.0.0.0:9000", "HERALD_DATABASE_URL": "postgres://x@y/z", "HERALD_DEMO": "true"})
	c, err := Parse("serve", nil, e, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "0.0.0.0:9000" || c.BaseURL != "http://localhost:9000" || c.DatabaseURL != "postgres://x@y/z" || !c.Demo {
		t.Fatalf("env not applied: %+v", c)
	}
	c, err = Parse("serve", []string{"--listen", "127.0.0.1:7000", "--base-url", "https://oa.example.com/"}, e, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:7000" || c.BaseURL != "https://oa.example.com" || !c.Secure() {
		t.Fatalf("flags did not win: %+v", c)
	}
}

func TestRejectsBadValues(t *testing.T) {
	for _, args := range [][]string{
		{"--listen", "nope"},
		{"--database-url", "mysql://x"},
		{"--base-url", "ftp://x"},
		{"--log-format", "xml"},
		{"--secret-key", "abc"},
	} {
		if _, err := Parse("serve", args, env(nil), &bytes.Buffer{}); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestSecretIsGeneratedOnceAndPrivate(t *testing.T) {
	c := &Config{DataDir: filepath.Join(t.TempDir(), "d")}
	a, err := c.LoadSecret()
	if err != nil || len(a) != 32 {
		t.Fatal(a, err)
	}
	b, _ := c.LoadSecret()
	if !bytes.Equal(a, b) {
		t.Fatal("secret changed between loads")
	}
	st, err := os.Stat(filepath.Join(c.DataDir, "secret.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v, %v", st.Mode(), err)
	}
}

func TestNATSOptions(t *testing.T) {
	e := env(map[string]string{"HERALD_NATS": "nats://a:4222,nats://b:4222", "HERALD_NATS_USER": "herald", "HERALD_NATS_PASSWORD": "pw",
		"HERALD_NATS_CA": "/etc/herald/nats-ca.pem", "HERALD_NATS_CERT": "/etc/herald/node.pem", "HERALD_NATS_KEY": "/etc/herald/node.key"})
	c, err := Parse("serve", []string{"--nats-nkey", "/etc/herald/node.nk"}, e, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.NATSURL != "nats://a:4222,nats://b:4222" || c.NATSUser != "herald" || c.NATSPassword != "pw" || c.NATSCA != "/etc/herald/nats-ca.pem" ||
		c.NATSCert != "/etc/herald/node.pem" || c.NATSKey != "/etc/herald/node.key" || c.NATSNKey != "/etc/herald/node.nk" {
		t.Fatalf("NATS options: %+v", c)
	}
	for _, args := range [][]string{
		{"--nats-user", "x"},                                          // no --nats
		{"--nats", "http://a:4222"},                                   // not a NATS URL
		{"--nats", "nats://a:4222", "--nats-cert", "c.pem"},           // certificate without key
		{"--nats", "a:4222", "--nats-user", "u", "--nats-token", "t"}, // two ways to sign in
	} {
		if _, err := Parse("serve", args, env(nil), &bytes.Buffer{}); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestParseSize(t *testing.T) {
	for s, want := range map[string]int64{"8GB": 8 << 30, " 500 mb": 500 << 20, "1TB": 1 << 40, "4096": 4096, "": 0} {
		if got, err := ParseSize(s); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"8 GiB", "-1GB", "0", "1.5GB", "GB", "99999999999TB"} {
		if _, err := ParseSize(s); err == nil {
			t.Errorf("ParseSize(%q) accepted", s)
		}
	}
	c, err := Parse("test", []string{"--data", t.TempDir()}, func(string) string { return "" }, io.Discard)
	if err != nil || c.ArchiveUploadLimit != 8<<30 {
		t.Fatalf("default archive upload limit: %d, %v", c.ArchiveUploadLimit, err)
	}
	if _, err := Parse("test", []string{"--data", t.TempDir(), "--max-archive-upload", "lots"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Fatal("--max-archive-upload lots accepted")
	}
}

// TestPprofListenIsLoopbackOnly: profiles are offered on a loopback address
// only, and never on the public or the metrics listener's address.
func TestPprofListenIsLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060", "127.0.0.2:0"} {
		c, err := Parse("serve", []string{"--pprof-listen", addr}, env(nil), &bytes.Buffer{})
		if err != nil || c.PprofListen != addr {
			t.Errorf("--pprof-listen %s: %v", addr, err)
		}
	}
	for _, args := range [][]string{
		{"--pprof-listen", "0.0.0.0:6060"},
		{"--pprof-listen", ":6060"},
		{"--pprof-listen", "192.168.1.5:6060"},
		{"--pprof-listen", "example.com:6060"},
		{"--pprof-listen", "6060"},
		{"--pprof-listen", "127.0.0.1:8080"},
		{"--metrics-listen", "127.0.0.1:9090", "--pprof-listen", "127.0.0.1:9090"},
	} {
		if _, err := Parse("serve", args, env(nil), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--pprof-listen") {
			t.Errorf("%v: %v", args, err)
		}
	}
	if _, err := Parse("serve", nil, env(map[string]string{"HERALD_PPROF_LISTEN": "10.0.0.1:6060"}), &bytes.Buffer{}); err == nil {
		t.Error("HERALD_PPROF_LISTEN on a private address accepted")
	}
}
