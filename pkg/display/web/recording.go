package web

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/do86/do86/pkg/display/record"
)

// Recordings of a session's screen (the page's record button, and the
// control endpoint's record command): POST .../record/start starts one,
// POST .../record/stop ends it, GET .../record.png downloads the last one
// ended, an animated PNG (pkg/display/record). Recordings are temporary
// files, removed when the next starts, when the session ends or when the
// server closes.

// recording is a session's recording: running (rec set) or ended (file).
type recording struct {
	rec     *record.Recorder
	file    string // the APNG: being recorded, or the last one ended
	ended   bool
	started time.Time
	stats   record.Stats
}

// close stops a recording and removes its file.
func (sc *sessionControl) close() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if r := sc.rec; r != nil {
		if !r.ended {
			r.rec.Close()
		}
		os.Remove(r.file)
		sc.rec = nil
	}
}

// recordAction starts or stops sess's recording.
func (s *Server) recordAction(sess *Session, action string) (any, error) {
	sc := s.controls.of(sess)
	sc.mu.Lock()
	defer sc.mu.Unlock()
	switch action {
	case "start":
		if sc.rec != nil && !sc.rec.ended {
			return nil, ctlErr("GenericError", "a recording is running: stop it first")
		}
		hub, _ := sess.screen()
		if hub == nil {
			return nil, ctlErr("DeviceNotActive", "the session shows nothing yet")
		}
		f, err := os.CreateTemp("", "do86-record-*.png")
		if err != nil {
			return nil, err
		}
		f.Close()
		rec, err := record.Start(hub, f.Name(), record.Options{})
		if err != nil {
			os.Remove(f.Name())
			return nil, err
		}
		if sc.rec != nil {
			os.Remove(sc.rec.file)
		}
		sc.rec = &recording{rec: rec, file: f.Name(), started: time.Now()}
		s.logf("session %s: recording", sess.id)
		return map[string]any{"recording": true}, nil
	case "stop":
		r := sc.rec
		if r == nil || r.ended {
			return nil, ctlErr("GenericError", "no recording is running")
		}
		r.ended = true
		if err := r.rec.Close(); err != nil {
			os.Remove(r.file)
			sc.rec = nil
			return nil, err
		}
		r.stats = r.rec.Stats()
		size := int64(0)
		if st, err := os.Stat(r.file); err == nil {
			size = st.Size()
		}
		s.logf("session %s: recorded %d frames over %v", sess.id, r.stats.Frames, r.stats.Duration.Round(time.Second))
		return map[string]any{"recording": false, "frames": r.stats.Frames, "seconds": r.stats.Duration.Seconds(), "bytes": size}, nil
	}
	return nil, ctlErr("GenericError", "record: action is start or stop")
}

// handleRecord is the record button: POST .../record/start or stop, from
// the session's own page (the guard refuses other sites' requests, as for
// every state change: guard.go).
func (s *Server) handleRecord(w http.ResponseWriter, r *http.Request, sess *Session) {
	ret, err := s.recordAction(sess, r.PathValue("action"))
	if err != nil {
		var ce *controlError
		code := http.StatusInternalServerError
		if errors.As(err, &ce) {
			code = http.StatusConflict
		}
		writeControl(w, code, map[string]any{"error": err.Error()})
		return
	}
	writeControl(w, http.StatusOK, ret)
}

// handleRecording downloads the session's last ended recording.
func (s *Server) handleRecording(w http.ResponseWriter, r *http.Request, sess *Session) {
	sc := s.controls.of(sess)
	sc.mu.Lock()
	rec := sc.rec
	var data []byte
	var err error
	if rec != nil && rec.ended {
		data, err = os.ReadFile(rec.file)
	}
	sc.mu.Unlock()
	switch {
	case rec == nil || !rec.ended:
		http.Error(w, "no recording: start one and stop it first", http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.png"`, sess.id, rec.started.Format("20060102-150405")))
	w.Write(data)
}
