package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// The many-session server's routes that find, create and count sessions.

// withSession checks {id} and finds its session; page lets the session
// page of an id that has none show a page that offers to boot ?image=
// (pendingPage): a GET never starts a machine.
func (s *Server) withSession(h func(http.ResponseWriter, *http.Request, *Session), page bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if !ValidID(id) {
			s.errorPage(w, r, http.StatusBadRequest, fmt.Sprintf("bad session id %q: use 1 to 64 letters, digits, '_' or '-'", id))
			return
		}
		sess, ok := s.Session(id)
		if !ok && page {
			image := r.URL.Query().Get("image")
			if image == "" {
				s.errorPage(w, r, http.StatusNotFound, fmt.Sprintf("there is no session %q: open it with ?image=NAME to boot one", id))
				return
			}
			if err := s.checkImage(image); err != nil {
				s.errorPage(w, r, http.StatusBadRequest, err.Error())
				return
			}
			s.pendingPage(w, r, id, image)
			return
		}
		if !ok {
			http.Error(w, fmt.Sprintf("no session %q", id), http.StatusNotFound)
			return
		}
		h(w, r, sess)
	}
}

// checkImage vets an image name for a new session (Options.CheckImage).
func (s *Server) checkImage(image string) error {
	if image == "" {
		return errors.New("no image given")
	}
	if s.opts.CheckImage != nil {
		return s.opts.CheckImage(image)
	}
	return nil
}

// randomID is the id of a session made without one.
func randomID() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// handleNew sends GET /new?image=NAME to the page of a fresh session id,
// which offers to boot NAME there (it boots nothing itself).
func (s *Server) handleNew(w http.ResponseWriter, r *http.Request) {
	image := r.URL.Query().Get("image")
	if err := s.checkImage(image); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, err.Error())
		return
	}
	http.Redirect(w, r, "/s/"+randomID()+"?image="+url.QueryEscape(image), http.StatusSeeOther)
}

// handleCreate is POST /api/sessions: boot the form's (or query's) image
// in session id (a fresh random one if none is given), or find the session
// of that id. A form of the landing page (Accept: text/html) is sent on to
// the session's page; others get the session as JSON (201 when created).
// Only the server's own pages may post here (guard.go).
func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	html := strings.Contains(r.Header.Get("Accept"), "text/html")
	fail := func(code int, msg string) {
		if html {
			s.errorPage(w, r, code, msg)
		} else {
			http.Error(w, msg, code)
		}
	}
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "bad form: "+err.Error())
		return
	}
	id, image := r.Form.Get("id"), r.Form.Get("image")
	if id == "" {
		id = randomID()
	}
	_, existed := s.Session(id)
	sess, err := s.Start(id, image)
	if err != nil {
		code := http.StatusBadRequest
		if errors.Is(err, ErrTooMany) {
			code = http.StatusServiceUnavailable
		}
		fail(code, err.Error())
		return
	}
	if html {
		http.Redirect(w, r, "/s/"+id, http.StatusSeeOther)
		return
	}
	if !existed {
		w.Header().Set("Location", "/s/"+id)
		w.WriteHeader(http.StatusCreated)
	}
	writeJSON(w, sess.Info())
}

// tooManyViewers refuses a viewer beyond Options.MaxViewers (before the
// WebSocket upgrade).
func (s *Server) tooManyViewers(w http.ResponseWriter, sess *Session) bool {
	sess.mu.Lock()
	n := len(sess.viewers)
	sess.mu.Unlock()
	if n < s.opts.MaxViewers {
		return false
	}
	http.Error(w, fmt.Sprintf("session %s has %d viewers already, the most it takes", sess.id, n), http.StatusServiceUnavailable)
	return true
}
