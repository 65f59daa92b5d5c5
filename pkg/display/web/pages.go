package web

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/do86/do86/pkg/images"
)

// static holds the page: plain HTML, CSS and JavaScript, no build step.
//
//go:embed static
var static embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"size": humanSize,
	"mips": func(f float64) string { return fmt.Sprintf("%.0f", f) },
}).ParseFS(static, "static/*.html"))

func staticHandler() http.Handler {
	sub, _ := fs.Sub(static, "static") // the directory is embedded: no error
	fsrv := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".html") {
			http.NotFound(w, r) // templates are not pages of their own
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		fsrv.ServeHTTP(w, r)
	})
}

// pageData is what session.html shows.
type pageData struct {
	ID, Image string
	WS, VNC   string // paths of the session's WebSocket and noVNC endpoint
	Stats     string // path of its stats
	Single    bool   // do86 run --web: no landing page to go back to
	// Start is set when the session does not exist yet: the page boots
	// Image in it by posting to Start (POST /api/sessions) — at once with
	// AutoStart, else when its user clicks Boot.
	Start     string
	AutoStart bool
}

// handlePage shows a session. It changes nothing: a hibernated session
// resumes when the page's WebSocket connects.
func (s *Server) handlePage(w http.ResponseWriter, r *http.Request, sess *Session) {
	d := pageData{ID: sess.id, Image: sess.image,
		WS: "/s/" + sess.id + "/ws", VNC: "/s/" + sess.id + "/websockify", Stats: "/api/stats/" + sess.id}
	if s.single != nil {
		d = pageData{ID: sess.id, Image: sess.image, WS: "/ws", VNC: "/websockify", Stats: "/api/stats", Single: true}
	}
	render(w, http.StatusOK, "session.html", d)
}

// pendingPage is the page of a session that does not exist yet: it offers
// to boot image as session id. It boots at once (by posting from the page)
// only when the user opened it from this server's own pages or typed its
// address (Sec-Fetch-Site same-origin or none); opened from another site,
// or by a browser that does not say, it waits for a click on Boot.
func (s *Server) pendingPage(w http.ResponseWriter, r *http.Request, id, image string) {
	site := r.Header.Get("Sec-Fetch-Site")
	d := pageData{ID: id, Image: image, WS: "/s/" + id + "/ws", VNC: "/s/" + id + "/websockify", Stats: "/api/stats/" + id,
		Start: "/api/sessions", AutoStart: site == "same-origin" || site == "none"}
	render(w, http.StatusOK, "session.html", d)
}

// landingData is what index.html shows.
type landingData struct {
	Images      []Image
	Sessions    []SessionInfo
	MaxSessions int
}

func (s *Server) handleLanding(w http.ResponseWriter, r *http.Request) {
	d := landingData{Sessions: s.Sessions(), MaxSessions: s.opts.MaxSessions}
	if s.opts.Images != nil {
		d.Images = s.opts.Images()
	}
	render(w, http.StatusOK, "index.html", d)
}

// errorPage answers with a page saying what went wrong (and the status).
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, code int, msg string) {
	render(w, code, "error.html", struct {
		Code    int
		Status  string
		Message string
	}{code, http.StatusText(code), msg})
}

func render(w http.ResponseWriter, code int, name string, data any) {
	var b strings.Builder
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write([]byte(b.String()))
}

// humanSize renders a byte count as the landing page shows it.
func humanSize(n int64) string {
	if n <= 0 {
		return "?"
	}
	return images.HumanBytes(n)
}
