package ui

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/ui/core"
)

// The follower app is installable: a web app manifest, icons drawn from the
// favicon's design, and a service worker at the root of the site that keeps
// the app's shell (styles, scripts, icons and an offline page) so that the
// app opens without a network, and shows Web Push notifications.

// registerPWA adds the manifest, icons, service worker and offline page.
func (u *UI) registerPWA(mux *http.ServeMux, h core.Route) {
	mux.HandleFunc("GET /manifest.webmanifest", u.manifest)
	mux.HandleFunc("GET /icons/{name}", serveIcon)
	mux.HandleFunc("GET /sw.js", u.serviceWorker)
	h("GET /offline", u.offline)
}

// ThemeColor is the follower app's colour (the accent of app.css).
const ThemeColor = "#07a35a"

// Icons are the app's icons: name → size and whether it is maskable (the
// design kept inside the central 80 % the platform may crop to a circle).
var icons = map[string]struct {
	size     int
	maskable bool
}{
	"icon-192.png":     {192, false},
	"icon-512.png":     {512, false},
	"maskable-512.png": {512, true},
	"apple-touch.png":  {180, true},
}

func (u *UI) manifest(w http.ResponseWriter, r *http.Request) {
	type icon struct {
		Src     string `json:"src"`
		Sizes   string `json:"sizes"`
		Type    string `json:"type"`
		Purpose string `json:"purpose"`
	}
	m := map[string]any{
		"id":               "/",
		"name":             "Herald",
		"short_name":       "Herald",
		"description":      "Chats with the Official Accounts you follow.",
		"start_url":        "/",
		"scope":            "/",
		"display":          "standalone",
		"background_color": "#ffffff",
		"theme_color":      ThemeColor,
		"icons": []icon{
			{Src: "/icons/icon-192.png", Sizes: "192x192", Type: "image/png", Purpose: "any"},
			{Src: "/icons/icon-512.png", Sizes: "512x512", Type: "image/png", Purpose: "any"},
			{Src: "/icons/maskable-512.png", Sizes: "512x512", Type: "image/png", Purpose: "maskable"},
		},
	}
	w.Header().Set("Content-Type", "application/manifest+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_ = json.NewEncoder(w).Encode(m)
}

var (
	iconOnce  sync.Once
	iconFiles map[string][]byte
)

func serveIcon(w http.ResponseWriter, r *http.Request) {
	iconOnce.Do(func() {
		iconFiles = map[string][]byte{}
		for name, ic := range icons {
			var b bytes.Buffer
			if err := png.Encode(&b, drawIcon(ic.size, ic.maskable)); err != nil {
				panic(err)
			}
			iconFiles[name] = b.Bytes()
		}
	})
	b, ok := iconFiles[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

// drawIcon draws the favicon's design at size×size: a white speech bubble
// with three green dots on Herald's green, as a rounded square or, for a
// maskable icon, full-bleed with the bubble inside the safe zone. Each
// pixel is sampled 4×4 times for smooth edges.
func drawIcon(size int, maskable bool) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	green := color.NRGBA{0x07, 0xa3, 0x5a, 0xff}
	scale := 1.0 // the bubble's size relative to the plain icon's
	if maskable {
		scale = 0.8
	}
	// shape returns the colour at (x, y) in units of the icon (0..1), and
	// whether anything is there.
	shape := func(x, y float64) (color.NRGBA, bool) {
		if !maskable && !inRoundRect(x, y, 0, 0, 1, 1, 0.22) {
			return color.NRGBA{}, false
		}
		// The bubble, centred, scaled about the centre.
		bx, by := (x-0.5)/scale+0.5, (y-0.5)/scale+0.5
		dot := func(cx float64) bool { return (bx-cx)*(bx-cx)+(by-0.45)*(by-0.45) <= 0.045*0.045 }
		if dot(0.36) || dot(0.5) || dot(0.64) {
			return green, true
		}
		if inRoundRect(bx, by, 0.2, 0.24, 0.8, 0.66, 0.12) || inTriangle(bx, by, 0.3, 0.6, 0.3, 0.8, 0.46, 0.62) {
			return color.NRGBA{0xff, 0xff, 0xff, 0xff}, true
		}
		return green, true
	}
	const n = 4
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64
			for sy := 0; sy < n; sy++ {
				for sx := 0; sx < n; sx++ {
					c, ok := shape((float64(px)+(float64(sx)+0.5)/n)/float64(size), (float64(py)+(float64(sy)+0.5)/n)/float64(size))
					if ok {
						r, g, b, a = r+float64(c.R), g+float64(c.G), b+float64(c.B), a+1
					}
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{uint8(r / a), uint8(g / a), uint8(b / a), uint8(a * 255 / (n * n))})
		}
	}
	return img
}

func inRoundRect(x, y, x0, y0, x1, y1, rad float64) bool {
	if x < x0 || x > x1 || y < y0 || y > y1 {
		return false
	}
	cx := min(max(x, x0+rad), x1-rad)
	cy := min(max(y, y0+rad), y1-rad)
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= rad*rad
}

func inTriangle(x, y, ax, ay, bx, by, cx, cy float64) bool {
	side := func(px, py, qx, qy float64) float64 { return (x-qx)*(py-qy) - (px-qx)*(y-qy) }
	d1, d2, d3 := side(ax, ay, bx, by), side(bx, by, cx, cy), side(cx, cy, ax, ay)
	neg := d1 < 0 || d2 < 0 || d3 < 0
	pos := d1 > 0 || d2 > 0 || d3 > 0
	return !(neg && pos)
}

// swOnce builds the service worker once: sw.js after a first line naming
// the shell to keep (the current fingerprinted files) and a version that
// changes with them, so a new release installs a new worker that replaces
// the old cache.
var (
	swOnce sync.Once
	swBody []byte
)

// shellAssets are the static files the offline shell needs.
var shellAssets = []string{"app.css", "app.js", "time.js", "follower.js", "push.js", "favicon.ico"}

func (u *UI) serviceWorker(w http.ResponseWriter, r *http.Request) {
	swOnce.Do(func() {
		src, err := assets.ReadFile("static/sw.js")
		if err != nil {
			panic(err)
		}
		shell := []string{"/offline", "/manifest.webmanifest", "/icons/icon-192.png"}
		for _, a := range shellAssets {
			shell = append(shell, u.Asset(a))
		}
		list, _ := json.Marshal(shell)
		sum := sha256.Sum256(append(append([]byte{}, list...), src...))
		var b bytes.Buffer
		b.WriteString("const SHELL = " + string(list) + ";\nconst VERSION = \"herald-shell-" + hex.EncodeToString(sum[:6]) + "\";\n")
		b.Write(src)
		swBody = b.Bytes()
	})
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	// Browsers check for a new worker on navigations; no-cache makes them
	// ask every time (an unchanged worker is a 304).
	h.Set("Cache-Control", "no-cache")
	h.Set("Service-Worker-Allowed", "/")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "sw.js", time.Time{}, bytes.NewReader(swBody))
}

// offline is the page the service worker shows for a page that cannot be
// loaded without a network. It is the same for everyone (nothing personal
// is kept on the device), so it is built without the session.
func (u *UI) offline(w http.ResponseWriter, r *http.Request) error {
	return u.Render(w, r, http.StatusOK, "app/offline", &core.Page{Title: "Offline", Path: r.URL.Path, Fields: map[string]string{}})
}
