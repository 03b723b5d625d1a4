// Command hanzitables writes the tables internal/i18n/hanzi embeds: the
// toneless pinyin of each CJK Unified Ideograph (U+4E00–U+9FFF), from
// github.com/mozillazg/go-pinyin (MIT), and the Traditional → Simplified
// character pairs of OpenCC's TSCharacters dictionary (Apache 2.0), read
// from github.com/longbridgeapp/opencc's copy.
//
//	cd tools/hanzitables && go run . -out ../../internal/i18n/hanzi
//
// With -catalogue it also fills the Traditional Chinese catalogue: every key
// of each zh-CN/<area>.json that zh-TW/<area>.json lacks gets the
// Simplified text converted with OpenCC's s2twp (Taiwan characters and
// phrases); texts already in zh-TW, which a translator may have written,
// are kept.
//
//	go run . -out ../../internal/i18n/hanzi -catalogue ../../internal/i18n/locales
//
// It is a module of its own so that Herald's binary carries only the
// generated tables, never these libraries.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mozillazg/go-pinyin"

	"github.com/longbridgeapp/opencc"
)

const first, last = 0x4E00, 0x9FFF

// twPlatform undoes s2twp phrases that mean something else on a platform,
// or that Taiwan writes otherwise:
// 审核 (a reviewer's review) is 審核 in Taiwan, not 稽核 (an audit), and
// 发布 (publishing an article) is 發布, not 釋出 (a software release);
// 账号, 账单, 账户 are 帳號, 帳單, 帳戶 (賬 is the mainland's traditional
// form); and 请求签名 (signing a request) is 請求簽名, not 請求籤名 (which
// reads 签 as a lot drawn at a temple).
var twPlatform = strings.NewReplacer("稽核", "審核", "釋出", "發布", "賬", "帳", "請求籤名", "請求簽名")

func main() {
	out := flag.String("out", "../../internal/i18n/hanzi", "directory of the tables")
	cat := flag.String("catalogue", "", "directory of the catalogues whose zh-TW.json to fill from zh-CN.json")
	flag.Parse()
	if *cat != "" {
		fillTraditional(*cat)
	}

	// pinyin.txt: line i is the reading of rune first+i ("-" for none).
	var py bytes.Buffer
	args := pinyin.NewArgs() // toneless, the most common reading
	for r := rune(first); r <= last; r++ {
		p := pinyin.SinglePinyin(r, args)
		if len(p) == 0 || p[0] == "" {
			py.WriteString("-\n")
			continue
		}
		py.WriteString(p[0] + "\n")
	}
	write(filepath.Join(*out, "pinyin.txt"), py.Bytes())

	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/longbridgeapp/opencc").Output()
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.Open(filepath.Join(strings.TrimSpace(string(dir)), "dictionary", "TSCharacters.txt"))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	// t2s.txt: one pair per line, the traditional then the simplified
	// character, for single-rune entries whose first choice differs.
	var ts bytes.Buffer
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		from, to, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		to, _, _ = strings.Cut(to, " ")
		if len([]rune(from)) != 1 || len([]rune(to)) != 1 || from == to {
			continue
		}
		ts.WriteString(from + to + "\n")
		n++
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	write(filepath.Join(*out, "t2s.txt"), ts.Bytes())
	fmt.Printf("%d readings, %d pairs\n", last-first+1, n)
}

func write(name string, b []byte) {
	if err := os.WriteFile(name, b, 0o644); err != nil {
		log.Fatal(err)
	}
}

// fillTraditional writes each zh-TW/<area>.json with every key of
// zh-CN/<area>.json, keeping the texts it already has and converting the
// others.
func fillTraditional(dir string) {
	cc, err := opencc.New("s2twp")
	if err != nil {
		log.Fatal(err)
	}
	areas, err := filepath.Glob(filepath.Join(dir, "zh-CN", "*.json"))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "zh-TW"), 0o755); err != nil {
		log.Fatal(err)
	}
	for _, a := range areas {
		fillArea(cc, dir, filepath.Base(a))
	}
}

func fillArea(cc *opencc.OpenCC, dir, area string) {
	read := func(name string) map[string]json.RawMessage {
		m := map[string]json.RawMessage{}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !os.IsNotExist(err) {
			log.Fatal(err)
		}
		if len(b) > 0 {
			if err := json.Unmarshal(b, &m); err != nil {
				log.Fatalf("%s: %v", name, err)
			}
		}
		return m
	}
	zh, tw := read(filepath.Join("zh-CN", area)), read(filepath.Join("zh-TW", area))
	conv := func(s string) string {
		t, err := cc.Convert(s)
		if err != nil {
			log.Fatal(err)
		}
		return twPlatform.Replace(t)
	}
	added := 0
	for k, v := range zh {
		if _, ok := tw[k]; ok {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			tw[k], _ = json.Marshal(conv(s))
		} else {
			var forms map[string]string
			if err := json.Unmarshal(v, &forms); err != nil {
				log.Fatalf("zh-CN/%s: %q: %v", area, k, err)
			}
			for f, t := range forms {
				forms[f] = conv(t)
			}
			tw[k], _ = json.Marshal(forms)
		}
		added++
	}
	for k := range tw {
		if _, ok := zh[k]; !ok {
			delete(tw, k) // a key the catalogues no longer have
		}
	}
	write(filepath.Join(dir, "zh-TW", area), marshalSorted(tw))
	fmt.Printf("zh-TW/%s: %d texts converted, %d kept\n", area, added, len(tw)-added)
}

// marshalSorted writes a catalogue with its keys sorted, one per line, so
// that changes read well in a diff.
func marshalSorted(m map[string]json.RawMessage) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, k := range keys {
		kb, _ := json.Marshal(k)
		var v bytes.Buffer
		if err := json.Compact(&v, m[k]); err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(&b, "  %s: %s", kb, v.Bytes())
		if i < len(keys)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return b.Bytes()
}
