package account

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// fallbackZones is the zone list when the system's tz database has no
// zone1970.tab: the zones of the places most accounts are run from.
var fallbackZones = []string{
	"Africa/Cairo", "Africa/Johannesburg", "Africa/Lagos", "Africa/Nairobi",
	"America/Chicago", "America/Denver", "America/Los_Angeles", "America/Mexico_City", "America/New_York",
	"America/Sao_Paulo", "America/Toronto", "America/Vancouver",
	"Asia/Bangkok", "Asia/Dubai", "Asia/Hong_Kong", "Asia/Jakarta", "Asia/Kolkata", "Asia/Kuala_Lumpur", "Asia/Macau",
	"Asia/Manila", "Asia/Seoul", "Asia/Shanghai", "Asia/Singapore", "Asia/Taipei", "Asia/Tokyo", "Asia/Urumqi",
	"Australia/Melbourne", "Australia/Perth", "Australia/Sydney",
	"Europe/Amsterdam", "Europe/Berlin", "Europe/London", "Europe/Madrid", "Europe/Moscow", "Europe/Paris", "Europe/Rome",
	"Pacific/Auckland", "UTC",
}

var zones struct {
	once sync.Once
	list []string
}

// Zones returns the IANA time zones an account may choose, sorted: the
// system tz database's zone1970.tab (the zones since 1970, one per
// region of like clocks) plus UTC, or a short list of common zones
// when the database has no such file. Every one is loadable.
func Zones() []string {
	zones.once.Do(func() {
		dir := os.Getenv("ZONEINFO")
		if dir == "" || strings.HasSuffix(dir, ".zip") {
			dir = "/usr/share/zoneinfo"
		}
		list := readZoneTab(filepath.Join(dir, "zone1970.tab"))
		if len(list) == 0 {
			list = append([]string(nil), fallbackZones...)
		}
		list = append(list, "UTC")
		sort.Strings(list)
		out := list[:0]
		for i, z := range list {
			if i > 0 && z == list[i-1] {
				continue
			}
			if _, err := time.LoadLocation(z); err == nil {
				out = append(out, z)
			}
		}
		zones.list = out
	})
	return zones.list
}

func readZoneTab(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if fields := strings.Split(line, "\t"); len(fields) >= 3 && fields[2] != "" {
			out = append(out, fields[2])
		}
	}
	return out
}

// CheckTimezone returns the zone name if time.LoadLocation knows it as an
// IANA name (not empty, not "Local"), else a field error.
func CheckTimezone(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || name == "Local" {
		return "", errs.FieldInvalid("timezone", "Choose a time zone from the list.")
	}
	if _, err := time.LoadLocation(name); err != nil {
		return "", errs.FieldInvalid("timezone", "%q is not a time zone this server knows: choose one from the list.", name)
	}
	return name, nil
}

// SetTimezone changes the account's time zone and returns the one it had.
// Months of the quota and the calendar, quiet hours and the per-follower
// cap are read in the account's zone, so they follow it at once (sends
// already made keep the quota month they were counted in).
func (s *Store) SetTimezone(ctx context.Context, accountID int64, name string) (old string, err error) {
	defer errs.Wrap(&err, "account.Store.SetTimezone(%d)", accountID)
	if name, err = CheckTimezone(name); err != nil {
		return "", err
	}
	a, err := s.ByID(ctx, accountID)
	if err != nil {
		return "", err
	}
	if _, err := s.db.Exec(ctx, `UPDATE accounts SET timezone = ?, updated_at = ? WHERE id = ?`, name, db.Micro(s.clock.Now()), accountID); err != nil {
		return "", err
	}
	return a.Timezone, nil
}
