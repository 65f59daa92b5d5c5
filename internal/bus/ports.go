package bus

import "fmt"

// Ports is the I/O port bus: 65536 ports, each owned by at most one device.
type Ports struct {
	owner [65536]uint16 // index into devs, 0 = none
	devs  []portRange

	// Trace, when set, sees every access: dir 'r' or 'w', the port, size and
	// value, and whether a device handled it.
	Trace func(dir byte, port uint16, size int, v uint32, handled bool)

	// Unhandled counts accesses no device claimed.
	Unhandled uint64
}

type portRange struct {
	base uint16
	n    int
	dev  PortDevice
	name string
}

// NewPorts returns an empty port bus.
func NewPorts() *Ports {
	return &Ports{devs: []portRange{{}}}
}

// Register gives ports base..base+n-1 to dev. It fails if any of them already
// has an owner.
func (p *Ports) Register(base uint16, n int, dev PortDevice, name string) error {
	if n <= 0 || int(base)+n > 65536 {
		return fmt.Errorf("bus: %s: bad port range %#x+%d", name, base, n)
	}
	for i := 0; i < n; i++ {
		if o := p.owner[int(base)+i]; o != 0 {
			return fmt.Errorf("bus: %s at %#x overlaps %s", name, int(base)+i, p.devs[o].name)
		}
	}
	idx := uint16(0)
	for i := 1; i < len(p.devs) && idx == 0; i++ {
		if p.devs[i].dev == nil { // reuse a slot Unregister freed
			idx = uint16(i)
		}
	}
	if idx == 0 {
		p.devs = append(p.devs, portRange{})
		idx = uint16(len(p.devs) - 1)
	}
	p.devs[idx] = portRange{base, n, dev, name}
	for i := 0; i < n; i++ {
		p.owner[int(base)+i] = idx
	}
	return nil
}

// Unregister frees every range dev was registered at (a PCI function whose
// I/O base the guest moved re-registers at the new base). Unknown devices
// are ignored.
func (p *Ports) Unregister(dev PortDevice) {
	for i := 1; i < len(p.devs); i++ {
		r := &p.devs[i]
		if r.dev == nil || r.dev != dev {
			continue
		}
		for k := 0; k < r.n; k++ {
			p.owner[int(r.base)+k] = 0
		}
		*r = portRange{} // a dead slot; indices of the others stay valid
	}
}

// MustRegister is Register for wiring that cannot overlap; it panics if it does.
func (p *Ports) MustRegister(base uint16, n int, dev PortDevice, name string) {
	if err := p.Register(base, n, dev, name); err != nil {
		panic(err)
	}
}

// Read dispatches an IN of size bytes from port.
func (p *Ports) Read(port uint16, size int) uint32 {
	o := p.owner[port]
	if o == 0 {
		p.Unhandled++
		v := Ones(size)
		if p.Trace != nil {
			p.Trace('r', port, size, v, false)
		}
		return v
	}
	r := &p.devs[o]
	v := r.dev.ReadPort(port-r.base, size)
	switch size {
	case 1:
		v &= 0xFF
	case 2:
		v &= 0xFFFF
	}
	if p.Trace != nil {
		p.Trace('r', port, size, v, true)
	}
	return v
}

// Write dispatches an OUT of size bytes to port.
func (p *Ports) Write(port uint16, size int, v uint32) {
	o := p.owner[port]
	if p.Trace != nil {
		p.Trace('w', port, size, v, o != 0)
	}
	if o == 0 {
		p.Unhandled++
		return
	}
	r := &p.devs[o]
	r.dev.WritePort(port-r.base, size, v)
}

// Name returns the name of the device owning port, or "".
func (p *Ports) Name(port uint16) string {
	return p.devs[p.owner[port]].name
}
