package web_test

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display/web"
)

var loadTime = flag.Duration("web.loadtime", 60*time.Second, "how long BenchmarkLoad keeps its viewers busy")

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLoad is the bounded load test: 20 viewers on 3 demo sessions
// over loopback for -web.loadtime (60 s), every viewer moving its
// session's mouse ten times a second (the demo draws the pointer), each
// acknowledging frames as a browser does, without decoding them. It
// reports the CPU the whole process used (3 machines, the server and the
// clients) against the machines alone, the bytes and frames sent, and the
// screen updates merged away (dropped) for viewers that were not ready.
func BenchmarkLoad(b *testing.B) {
	testenv.SkipShort(b, "the CPU core and SeaBIOS")
	const sessions, viewers = 3, 20
	ms := newMachines()
	srv := web.New(web.Options{Boot: realBoot(ms)})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()
	for i := 0; i < sessions; i++ {
		if _, err := srv.Start(fmt.Sprintf("load%d", i), "demo"); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(3 * time.Second) // boot to the demo's screen
	// The machines alone, for comparison.
	c0, t0 := cpuTime(), time.Now()
	time.Sleep(10 * time.Second)
	idle := float64(cpuTime()-c0) / float64(time.Since(t0))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var frames, bytes, mice atomic.Int64
	var wg sync.WaitGroup
	c1, t1 := cpuTime(), time.Now()
	for v := 0; v < viewers; v++ {
		c, _, err := websocket.Dial(ctx, fmt.Sprintf("ws%s/s/load%d/ws", hs.URL[4:], v%sessions), nil)
		if err != nil {
			b.Fatal(err)
		}
		c.SetReadLimit(64 << 20)
		wg.Add(2)
		go func() { // reader: count and acknowledge
			defer wg.Done()
			defer c.CloseNow()
			for {
				_, m, err := c.Read(ctx)
				if err != nil {
					return
				}
				bytes.Add(int64(len(m)))
				if len(m) >= web.FrameHeaderSize && m[0] == web.MsgFrame {
					frames.Add(1)
					c.Write(ctx, websocket.MessageBinary, web.AckMessage(binary.LittleEndian.Uint32(m[2:])))
				}
			}
		}()
		go func(v int) { // the user: mouse moves
			defer wg.Done()
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for i := 0; ; i++ {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				dx := 6
				if (i/20)%2 == 1 {
					dx = -6
				}
				if c.Write(ctx, websocket.MessageBinary, web.MouseMessage(dx, 1-2*(v%2), 0, 0)) == nil {
					mice.Add(1)
				}
			}
		}(v)
	}
	time.Sleep(*loadTime)
	wall := time.Since(t1)
	busy := float64(cpuTime()-c1) / float64(wall)
	var dropped, keyframes, sent, clients int64
	for i := 0; i < sessions; i++ {
		var st web.SessionStats
		getJSON(b, fmt.Sprintf("%s/api/stats/load%d", hs.URL, i), &st)
		for _, c := range st.Clients {
			dropped += int64(c.Dropped)
			keyframes += int64(c.Keyframes)
			sent += int64(c.Bytes)
			clients++
		}
	}
	cancel()
	wg.Wait()
	if clients != viewers {
		b.Errorf("%d viewers connected at the end, want %d", clients, viewers)
	}
	sec := wall.Seconds()
	b.ReportMetric(100*busy, "cpu%")
	b.ReportMetric(100*idle, "cpu%-machines-alone")
	b.ReportMetric(float64(bytes.Load())/sec, "bytes/s")
	b.ReportMetric(float64(frames.Load())/sec, "frames/s")
	b.ReportMetric(float64(dropped), "dropped")
	b.ReportMetric(float64(keyframes), "keyframes")
	b.ReportMetric(float64(mice.Load())/sec, "mouse-events/s")
	b.Logf("%d viewers on %d demo sessions for %v: CPU %.0f%% of a core (the machines alone %.0f%%), %.0f bytes/s (%.0f per viewer), %.1f frames/s (%.2f per viewer), %d updates dropped, %d keyframes, %d bytes by the server's count",
		viewers, sessions, wall.Round(time.Second), 100*busy, 100*idle, float64(bytes.Load())/sec, float64(bytes.Load())/sec/viewers,
		float64(frames.Load())/sec, float64(frames.Load())/sec/viewers, dropped, keyframes, sent)
}
