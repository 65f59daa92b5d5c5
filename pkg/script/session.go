package script

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/input"
	"github.com/do86/do86/pkg/pager"
)

// DefaultTimeout is how long a wait takes at most when nothing says
// otherwise.
const DefaultTimeout = 60 * time.Second

// Options configure a Session. Zero fields take the defaults named.
type Options struct {
	// Store holds the snapshots of Save and Restore (nil: they fail).
	Store *pager.Store
	// Resume starts the machine from this snapshot of Store (emu.Resume)
	// instead of booting it.
	Resume string
	// Timeout is how long a wait takes at most when its context has no
	// deadline (default DefaultTimeout).
	Timeout time.Duration
	// Dir is where relative file names (screenshots) are (default: the
	// current directory).
	Dir string
	// Pointer makes the pointer of the mouse methods (default
	// input.NewAutoPointer: the USB tablet where the guest drives it, else
	// the relative mouse).
	Pointer func(m *emu.Machine) input.Pointer
	// Run runs the machine until ctx ends, on a goroutine of the session
	// (default m.Run). A front end gives its own to show the screen
	// meanwhile; it must return Run's error.
	Run func(ctx context.Context, m *emu.Machine) error
	// SerialLimit bounds the COM1 output the session keeps for serial waits
	// and SerialLog (default 16 MiB; the oldest half goes when full).
	SerialLimit int
}

// Session is a machine under a script: built, run on a goroutine of its
// own, and driven by its methods. The methods are for one goroutine (the
// test's); Close and Done may be called from any.
type Session struct {
	m       *emu.Machine
	opts    Options
	serial  *serialLog
	pointer input.Pointer
	held    uint8 // the mouse buttons held
	cancel  context.CancelFunc
	done    chan struct{}
	runErr  error // Run's error, once done is closed
	mark    int64 // where the next serial wait starts searching (absolute offset)
	epoch   int64 // where serial assertions start (the start or the last restore)
	closed  sync.Once
}

// Start builds a machine from cfg — COM1 output goes to cfg.Serial and to
// the session — or resumes opts.Resume with it, and runs it.
func Start(cfg emu.Config, opts Options) (*Session, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.SerialLimit <= 0 {
		opts.SerialLimit = 16 << 20
	}
	if opts.Run == nil {
		opts.Run = func(ctx context.Context, m *emu.Machine) error { return m.Run(ctx) }
	}
	log := newSerialLog(cfg.Serial, opts.SerialLimit)
	cfg.Serial = log
	var m *emu.Machine
	var err error
	if opts.Resume != "" {
		if opts.Store == nil {
			return nil, errors.New("script: Resume needs a Store")
		}
		m, err = emu.Resume(cfg, opts.Store, opts.Resume)
	} else {
		m, err = emu.New(cfg)
	}
	if err != nil {
		return nil, err
	}
	s := &Session{m: m, opts: opts, serial: log, done: make(chan struct{})}
	if opts.Pointer != nil {
		s.pointer = opts.Pointer(m)
	} else {
		ap := input.NewAutoPointer(m)
		ap.Settle = func(ctx context.Context) error { return m.Exec(ctx, func() {}) }
		s.pointer = ap
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() {
		defer close(s.done)
		s.runErr = opts.Run(ctx, m)
	}()
	return s, nil
}

// Machine returns the machine the session drives.
func (s *Session) Machine() *emu.Machine { return s.m }

// Done is closed when the machine stopped running (PowerOff, Close, the
// guest turned it off, the core crashed).
func (s *Session) Done() <-chan struct{} { return s.done }

// Err returns why the machine stopped once Done is closed: nil when it was
// stopped (PowerOff, Close), emu.ErrPowerOff when the guest turned it off,
// an error wrapping emu.ErrCrash when the core crashed.
func (s *Session) Err() error {
	select {
	case <-s.done:
		return s.runErr
	default:
		return nil
	}
}

// SetTimeout sets how long a wait takes at most when its context has no
// deadline.
func (s *Session) SetTimeout(d time.Duration) {
	if d > 0 {
		s.opts.Timeout = d
	}
}

// Timeout returns how long a wait takes at most when its context has no
// deadline.
func (s *Session) Timeout() time.Duration { return s.opts.Timeout }

// PowerOff stops the machine and waits until it stopped. It returns the
// machine's error if it had crashed.
func (s *Session) PowerOff() error {
	s.cancel()
	<-s.done
	if errors.Is(s.runErr, emu.ErrCrash) {
		return s.runErr
	}
	return nil
}

// Close stops the machine and frees it.
func (s *Session) Close() error {
	err := s.PowerOff()
	s.closed.Do(s.m.Close)
	return err
}

// SerialLog returns the COM1 output so far (at most Options.SerialLimit of
// the newest bytes).
func (s *Session) SerialLog() []byte { return s.serial.bytes() }

// path resolves a file name of a step against Options.Dir.
func (s *Session) path(name string) string {
	if s.opts.Dir == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(s.opts.Dir, name)
}

// stopped explains, as a Failure, that the machine stopped while a step
// needed it running.
func (s *Session) stopped() error {
	<-s.done
	switch err := s.runErr; {
	case errors.Is(err, emu.ErrCrash):
		return err
	case errors.Is(err, emu.ErrPowerOff):
		return failf("the guest powered off")
	case err != nil:
		return fmt.Errorf("the machine stopped: %w", err)
	}
	return failf("the machine is off")
}

// running reports nil while the machine runs, else why not (see stopped).
func (s *Session) running() error {
	select {
	case <-s.done:
		return s.stopped()
	default:
		return nil
	}
}

// serialLog keeps COM1 output for serial waits and passes it on.
type serialLog struct {
	w     io.Writer // the configuration's own Serial, nil for none
	limit int

	mu      sync.Mutex
	buf     []byte
	dropped int64         // bytes dropped from the front of buf
	notify  chan struct{} // closed and replaced on every write
}

func newSerialLog(w io.Writer, limit int) *serialLog {
	return &serialLog{w: w, limit: limit, notify: make(chan struct{})}
}

// Write is called on the emulation goroutine (once a frame, and when Run
// returns); it never fails, whatever the writer it passes output to does.
func (l *serialLog) Write(p []byte) (int, error) {
	if l.w != nil {
		l.w.Write(p)
	}
	l.mu.Lock()
	l.buf = append(l.buf, p...)
	if len(l.buf) > l.limit {
		cut := len(l.buf) - l.limit/2
		l.buf = append(l.buf[:0], l.buf[cut:]...)
		l.dropped += int64(cut)
	}
	close(l.notify)
	l.notify = make(chan struct{})
	l.mu.Unlock()
	return len(p), nil
}

func (l *serialLog) bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.buf...)
}

// end returns the absolute offset of the end of the output.
func (l *serialLog) end() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped + int64(len(l.buf))
}
