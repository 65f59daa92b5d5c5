package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// What a server needs to be one node of several (pkg/cluster): periodic
// checkpoints of running sessions (Options.Checkpoint), sessions adopted
// from a snapshot another node saved (Adopt), sessions this node must drop
// at once because another owns them now (Fence), sessions handed back to
// the store on shutdown (Drain), and a word when a session ends for good
// (Options.Ended).

// ended tells Options.Ended that session id is gone.
func (s *Server) ended(id string) {
	if s.opts.Ended != nil {
		s.opts.Ended(id)
	}
}

// checkpointDue reports whether sess should be checkpointed now (and marks
// it as being saved).
func (s *Server) checkpointDue(sess *Session, now time.Time) bool {
	if s.opts.Checkpoint <= 0 || s.opts.Snapshot == nil || sess == s.single {
		return false
	}
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.state != StateRunning || sess.m == nil || sess.hibernating || sess.saving || now.Sub(sess.lastSave) < s.opts.Checkpoint {
		return false
	}
	sess.saving, sess.lastSave = true, now
	return true
}

// checkpoint saves the running machine of sess as "serve/ID"; the guest
// runs on (the machine is paused only while its memory is hashed). A
// failure is logged: the previous checkpoint stays.
func (s *Server) checkpoint(sess *Session) {
	sess.mu.Lock()
	m, gen := sess.m, sess.gen
	sess.mu.Unlock()
	defer func() {
		sess.mu.Lock()
		sess.saving = false
		sess.mu.Unlock()
	}()
	if m == nil {
		return
	}
	name := hibernateName(sess.id)
	ctx, cancel := context.WithTimeout(sess.run, hibernateTimeout)
	defer cancel()
	resume, err := s.opts.Snapshot(ctx, m, name)
	if err != nil {
		if sess.run.Err() == nil {
			s.logf("session %s: checkpoint failed: %v", sess.id, err)
		}
		return
	}
	sess.mu.Lock()
	defer sess.mu.Unlock()
	sess.snapName = name
	if sess.gen == gen {
		sess.resume = resume
	}
}

// ErrExists is what Adopt returns for an id that already has a session
// here (which it returns too).
var ErrExists = errors.New("the session exists")

// Adopt creates session id of image from the snapshot snapName, which
// resume builds again (saved by this node or another: a hibernated session,
// or the last checkpoint of a node that died). The session starts
// hibernated: its first viewer wakes it as any hibernated session, and no
// GET of its page alone builds a machine. The snapshot is the session's
// from now on (deleted when it ends). It returns the session already there
// with ErrExists.
func (s *Server) Adopt(id, image, snapName string, resume ResumeFunc) (*Session, error) {
	if err := s.checkNewID(id); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess, ok := s.sessions[id]; ok {
		return sess, ErrExists
	}
	if s.closed {
		return nil, errors.New("the server is shutting down")
	}
	sess := newSession(s.ctx, id, image, s.opts.Scrollback, s.logf)
	sess.deleteSnap = s.opts.DeleteSnapshot
	sess.snapName, sess.resume = snapName, resume
	sess.state, sess.reason = StateHibernated, "saved on another node; opening it resumes it here"
	s.sessions[id] = sess
	s.logf("session %s: adopted %s (%s), hibernated", id, snapName, image)
	go sess.bootWhenWoken(func(ctx context.Context) (Machine, string, error) {
		s.logf("session %s: resuming from %s", id, snapName)
		m, err := resume(ctx, sess.console)
		if err != nil {
			err = fmt.Errorf("resume from %s: %w", snapName, err)
		}
		return m, snapName, err
	})
	return sess, nil
}

// bootWhenWoken waits for a viewer, then boots with build (an adopted
// session); a session stopped first ends without a machine.
func (s *Session) bootWhenWoken(build builder) {
	select {
	case <-s.wakeC:
		s.setState(StateBooting, "resuming")
		s.boot(build)
	case <-s.run.Done():
		s.forgetSnapshot()
		s.mu.Lock()
		r := s.stopReason
		s.mu.Unlock()
		s.setState(StateStopped, r)
		s.readyOnce.Do(func() { close(s.ready) })
		close(s.done)
	}
}

// roomLocked refuses a new machine beyond MaxSessions (s.mu held).
func (s *Server) roomLocked() error {
	if s.opts.MaxSessions <= 0 {
		return nil
	}
	n := 0
	for _, sess := range s.sessions {
		if sess.active() {
			n++
		}
	}
	if n >= s.opts.MaxSessions {
		return fmt.Errorf("%w: all %d machines this server may run (--max-sessions) are in use; stop one or try again later", ErrTooMany, s.opts.MaxSessions)
	}
	return nil
}

// Fence stops session id's machine at once, without saving it and without
// deleting its snapshot (another node owns the session now, or may), and
// forgets the session; false if there is none.
func (s *Server) Fence(id, reason string) bool {
	s.mu.Lock()
	sess, ok := s.sessions[id]
	delete(s.sessions, id)
	s.mu.Unlock()
	if !ok {
		return false
	}
	s.logf("session %s: fenced: %s", id, reason)
	sess.mu.Lock()
	sess.snapName, sess.resume = "", nil // the snapshot is not ours to delete
	sess.mu.Unlock()
	sess.stop(reason)
	s.ended(id)
	return true
}

// Drain hands every session back to the store: a running one is saved a
// last time (its final checkpoint) and stopped, a hibernated one just
// forgotten; their snapshots stay for any node to resume. A session that
// cannot be saved is stopped like at Close. It returns how many were
// handed off.
func (s *Server) Drain(ctx context.Context) int {
	s.mu.Lock()
	all := make([]*Session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		all = append(all, sess)
	}
	s.mu.Unlock()
	var (
		wg sync.WaitGroup
		mu sync.Mutex
		n  int
	)
	for _, sess := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.handOff(ctx, sess) {
				mu.Lock()
				n++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return n
}

// handOff saves sess (if it runs) and forgets it without deleting its
// snapshot.
func (s *Server) handOff(ctx context.Context, sess *Session) bool {
	st, _ := sess.State()
	kept := false
	switch {
	case st == StateHibernated:
		sess.mu.Lock()
		kept = sess.snapName != ""
		sess.mu.Unlock()
	case st == StateRunning && s.opts.Snapshot != nil:
		if m := sess.machine(); m != nil {
			if _, err := s.opts.Snapshot(ctx, m, hibernateName(sess.id)); err != nil {
				s.logf("session %s: final checkpoint failed: %v", sess.id, err)
			} else {
				kept = true
			}
		}
	}
	if !kept {
		s.Stop(sess.id, "the server is shutting down")
		return false
	}
	s.mu.Lock()
	if s.sessions[sess.id] == sess {
		delete(s.sessions, sess.id)
	}
	s.mu.Unlock()
	sess.mu.Lock()
	sess.snapName, sess.resume = "", nil
	sess.mu.Unlock()
	s.logf("session %s: handed off (its snapshot stays for any node)", sess.id)
	sess.stop("the server is shutting down; the session continues from its snapshot")
	s.ended(sess.id)
	return true
}

// Guard wraps h in the server's checks (Host, token, origin: guard.go), so
// that a handler in front of the server (a cluster's router) serves only
// what the server itself would.
func (s *Server) Guard(h http.Handler) http.Handler { return newGuard(&s.opts).wrap(h) }

// Routes is the server's handler without its checks: for use behind Guard.
func (s *Server) Routes() http.Handler { return s.mux }
