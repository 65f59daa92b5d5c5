package usernet

import (
	"bufio"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// pcapFile records frames as a pcap capture (Ethernet link type) that
// tcpdump and Wireshark read. Both of the network's goroutines write to
// it; it is flushed at least every flushEvery and when closed.
type pcapFile struct {
	mu    sync.Mutex
	f     *os.File
	b     *bufio.Writer
	w     *pcapgo.Writer
	err   error
	last  time.Time
	stamp func() time.Time
}

const flushEvery = 250 * time.Millisecond

func createPCAP(path string) (*pcapFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--net-pcap: %w", err)
	}
	p := &pcapFile{f: f, b: bufio.NewWriterSize(f, 64<<10), stamp: time.Now}
	p.w = pcapgo.NewWriterNanos(p.b)
	if err := p.w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		f.Close()
		return nil, fmt.Errorf("--net-pcap: %w", err)
	}
	p.b.Flush()
	return p, nil
}

// write records one frame; after a write error the capture stops, the
// network goes on.
func (p *pcapFile) write(frame []byte) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return
	}
	now := p.stamp()
	p.err = p.w.WritePacket(gopacket.CaptureInfo{Timestamp: now, CaptureLength: len(frame), Length: len(frame)}, frame)
	if p.err == nil && now.Sub(p.last) >= flushEvery {
		p.err = p.b.Flush()
		p.last = now
	}
}

func (p *pcapFile) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	err := p.b.Flush()
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	if p.err != nil {
		return fmt.Errorf("--net-pcap: %w", p.err)
	}
	return err
}
