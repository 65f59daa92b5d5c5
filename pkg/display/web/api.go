package web

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/coder/websocket"
)

// handleVNC carries RFB over a binary WebSocket for noVNC.
func (s *Server) handleVNC(w http.ResponseWriter, r *http.Request, sess *Session) {
	if s.tooManyViewers(w, sess) {
		return
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"binary"}, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	v := sess.addViewer("vnc", r.RemoteAddr) // before waking: it may not hibernate again meanwhile
	defer sess.removeViewer(v)
	sess.wake()
	sess.waitMachine()
	_, vs := sess.screen()
	if vs == nil {
		_, reason := sess.State()
		c.Close(websocket.StatusTryAgainLater, trimReason("no machine: "+reason))
		return
	}
	nc := websocket.NetConn(sess.life, c, websocket.MessageBinary)
	vs.ServeConn(sess.life, &countingConn{Conn: nc, v: v})
}

// countingConn counts what a VNC viewer is sent.
type countingConn struct {
	net.Conn
	v *viewer
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.v.bytes.Add(uint64(n))
	return n, err
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, s.Sessions())
}

func (s *Server) handleStats(w http.ResponseWriter, r *http.Request, sess *Session) {
	writeJSON(w, sess.Stats())
}

// handleDelete stops a session: DELETE /api/sessions/{id}, or a POST to
// .../delete from the landing page's form (which then goes back to /).
// Only the server's own pages may (guard.go).
func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !ValidID(id) {
		http.Error(w, fmt.Sprintf("bad session id %q", id), http.StatusBadRequest)
		return
	}
	if !s.Stop(id, "stopped by request") {
		http.Error(w, fmt.Sprintf("no session %q", id), http.StatusNotFound)
		return
	}
	if r.Method == http.MethodPost && strings.Contains(r.Header.Get("Accept"), "text/html") {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	writeJSON(w, map[string]string{"stopped": id})
}

// ImagePolicy vets the images new sessions may boot: catalog names, and
// (only with AllowFiles) absolute paths of image files on the server's
// disk. Relative paths are never files, so a name always means the catalog.
type ImagePolicy struct {
	// Known reports whether name is a catalog image.
	Known func(name string) bool
	// AllowFiles lets a session boot any file the server can read, named by
	// its absolute path: for a server only its owner reaches.
	AllowFiles bool
}

// Check returns nil for an image the policy allows, else what is wrong.
func (p ImagePolicy) Check(image string) error {
	if p.Known != nil && p.Known(image) {
		return nil
	}
	if !filepath.IsAbs(image) {
		return fmt.Errorf("%q is not a catalog image (the landing page lists them)", image)
	}
	if !p.AllowFiles {
		return fmt.Errorf("booting files by path is off: start the server with --allow-files to boot %s", image)
	}
	st, err := os.Stat(image)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not an image file", image)
	}
	return nil
}
