package web

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Hibernation: a running session nobody has watched for Options.Idle is
// saved to a snapshot named "serve/ID" (Options.Snapshot), its machine
// stopped and freed; the session stays listed as hibernated, with its last
// screen. Opening its page, WebSocket or noVNC endpoint builds the machine
// again from the snapshot (the ResumeFunc Snapshot returned, which keeps
// the machine's configuration) and the guest continues where it was. The
// snapshot is deleted when the session ends for good.

// ResumeFunc builds a machine again from the snapshot it was made for; the
// guest continues where it was saved. serial receives its COM1 output, ctx
// ends if the session is stopped meanwhile.
type ResumeFunc func(ctx context.Context, serial io.Writer) (Machine, error)

// SnapshotFunc saves m, which is running (it is called from another
// goroutine than the machine's), as the snapshot name, replacing any of
// that name, and returns how to build it again.
type SnapshotFunc func(ctx context.Context, m Machine, name string) (ResumeFunc, error)

// hibernateTimeout bounds a hibernation save (a machine that stopped
// meanwhile never takes the request).
const hibernateTimeout = 2 * time.Minute

// hibernateName is the snapshot a session hibernates to.
func hibernateName(id string) string { return "serve/" + id }

// hibernate saves the running machine as "serve/ID" and ends its Run; the
// boot loop then frees it and waits for a viewer. It does nothing (false)
// if the session is not running, is being saved already, or someone
// watches it; a viewer arriving during the save keeps it running.
func (s *Session) hibernate(save SnapshotFunc) (bool, error) {
	s.mu.Lock()
	if s.state != StateRunning || s.hibernating || len(s.viewers) > 0 || s.m == nil || s.endMachine == nil {
		s.mu.Unlock()
		return false, nil
	}
	s.hibernating = true
	m, gen := s.m, s.gen
	s.mu.Unlock()
	name := hibernateName(s.id)
	ctx, cancel := context.WithTimeout(s.run, hibernateTimeout)
	defer cancel()
	resume, err := save(ctx, m, name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.snapName = name // deleted when the session ends, used or not
	}
	if err != nil || len(s.viewers) > 0 || s.state != StateRunning || s.gen != gen {
		s.hibernating = false
		select { // a viewer's wake-up is moot: the machine runs on
		case <-s.wakeC:
		default:
		}
		return false, err
	}
	s.resume = resume
	s.endMachine()
	return true, nil
}

// hibernated is the boot loop's check, after the machine's Run returned,
// whether that was a hibernation: clean (Run returned nil and the session
// goes on) and asked for by hibernate. If so the session is now hibernated
// and the machine forgotten; if not, a hibernation under way is moot.
func (s *Session) hibernated(clean bool) bool {
	s.mu.Lock()
	if !s.hibernating || !clean {
		s.hibernating = false
		s.mu.Unlock()
		return false
	}
	s.hibernating = false
	s.m, s.endMachine = nil, nil
	s.mu.Unlock()
	s.setState(StateHibernated, "nobody watched it; opening it resumes it")
	return true
}

// wake asks for the hibernated (or hibernating) machine back; the boot loop
// resumes it. It also restarts the idle clock: whoever opened the session
// gets a full Idle before it hibernates again.
func (s *Session) wake() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.viewers) == 0 {
		s.idleSince = time.Now()
	}
	if s.state == StateHibernated || s.hibernating {
		select {
		case s.wakeC <- struct{}{}:
		default:
		}
	}
}

// isHibernating reports whether the session is hibernated or being saved.
func (s *Session) isHibernating() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hibernating || s.state == StateHibernated
}

// forgetSnapshot deletes the session's hibernation snapshot, once the
// session has ended for good.
func (s *Session) forgetSnapshot() {
	s.mu.Lock()
	name := s.snapName
	s.snapName, s.resume = "", nil
	s.mu.Unlock()
	if name == "" || s.deleteSnap == nil {
		return
	}
	if err := s.deleteSnap(name); err != nil {
		s.logf("session %s: deleting snapshot %s: %v", s.id, name, err)
	}
}

// waitMachine waits until the session's machine runs or will not (it
// failed, crashed, stopped), or the session ends.
func (s *Session) waitMachine() {
	ch, unwatch := s.watch()
	defer unwatch()
	for {
		if st, _ := s.State(); st != StateBooting && st != StateHibernated {
			return
		}
		select {
		case <-ch:
		case <-s.life.Done():
			return
		}
	}
}

// hibernateOrStop hibernates an idle running session, or stops it when
// saving fails.
func (s *Server) hibernateOrStop(sess *Session) {
	t0 := time.Now()
	ok, err := sess.hibernate(s.opts.Snapshot)
	switch {
	case err != nil:
		s.logf("session %s: could not hibernate (%v): stopping it", sess.id, err)
		s.Stop(sess.id, fmt.Sprintf("nobody watched it for %v (hibernating failed)", s.opts.Idle))
	case ok:
		s.logf("session %s: hibernated as %s in %v", sess.id, hibernateName(sess.id), time.Since(t0).Round(time.Millisecond))
	}
}

// hibernates reports whether idle sessions hibernate rather than stop.
func (s *Server) hibernates() bool { return s.opts.Hibernate && s.opts.Snapshot != nil }
