package images

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressEvery is how often the progress line is redrawn at most.
const progressEvery = 200 * time.Millisecond

// progress draws one line, redrawn in place with a carriage return:
//
//	kolibri.img  45% 650.0 KiB / 1.4 MiB  1.2 MiB/s  ETA 0:01
type progress struct {
	w     io.Writer
	name  string
	start int64 // bytes already there when this transfer began (a resume)
	done  int64
	total int64 // -1 when unknown
	t0    time.Time
	last  time.Time
	width int // of the last line drawn, to blank leftovers
}

func newProgress(w io.Writer, name string, start, total int64) *progress {
	p := &progress{w: w, name: name, start: start, done: start, total: total, t0: time.Now()}
	p.draw(time.Now())
	return p
}

func (p *progress) add(n int64) {
	p.done += n
	if now := time.Now(); now.Sub(p.last) >= progressEvery {
		p.draw(now)
	}
}

// finish draws the last state and ends the line.
func (p *progress) finish(ok bool) {
	p.draw(time.Now())
	if ok {
		fmt.Fprintf(p.w, "  done\n")
	} else {
		fmt.Fprintf(p.w, "  failed\n")
	}
}

func (p *progress) draw(now time.Time) {
	p.last = now
	elapsed := now.Sub(p.t0).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.done-p.start) / elapsed
	}
	var line string
	if p.total > 0 {
		eta := "--:--"
		if rate > 0 {
			eta = clock(time.Duration(float64(p.total-p.done) / rate * float64(time.Second)))
		}
		line = fmt.Sprintf("%s %s %3d%% %s / %s  %s/s  ETA %s", p.name, bar(p.done, p.total, 24), p.done*100/p.total,
			HumanBytes(p.done), HumanBytes(p.total), HumanBytes(int64(rate)), eta)
	} else {
		line = fmt.Sprintf("%s %s  %s/s", p.name, HumanBytes(p.done), HumanBytes(int64(rate)))
	}
	pad := ""
	if n := p.width - len(line); n > 0 {
		pad = fmt.Sprintf("%*s", n, "")
	}
	p.width = len(line)
	fmt.Fprintf(p.w, "\r%s%s", line, pad)
}

// HumanBytes renders n in binary units: 512 B, 1.5 KiB, 45.0 MiB.
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// clock renders a duration as M:SS or H:MM:SS.
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// bar draws done of total as a bar of width cells: [#######.........].
func bar(done, total int64, width int) string {
	n := 0
	if total > 0 {
		n = int(min(done, total) * int64(width) / total)
	}
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}
