package usb

// Handler is what a device's ControlPipe asks to answer control transfers.
type Handler interface {
	// Request answers a request, once its data stage has arrived (out is
	// the host's data of an OUT request, nil otherwise). in is the data of
	// an IN request (the pipe sends at most wLength of it); ok false
	// STALLs the request.
	Request(s Setup, out []byte) (in []byte, ok bool)
	// StatusDone is called when the status stage of s completed: the
	// transfer is over (SET_ADDRESS takes effect only now).
	StatusDone(s Setup)
}

// Stage is where a control transfer is (USB 2.0 §8.5.3).
type Stage uint8

// Control transfer stages.
const (
	// StageIdle: no transfer; the next transaction should be a SETUP.
	StageIdle Stage = iota
	// StageDataIn: the device sends the data stage.
	StageDataIn
	// StageDataOut: the host sends the data stage.
	StageDataOut
	// StageStatusIn: the host's IN of the status stage (a request without
	// data) is due.
	StageStatusIn
	// StageStalled: the request failed; every transaction but a SETUP is
	// answered STALL.
	StageStalled
)

// ControlPipe is a device's default control endpoint (endpoint 0): it takes
// SETUP packets, runs the data stage in packets of at most the endpoint's
// maximum size, and completes the status stage, asking a Handler for the
// answers. Its fields are its state, for snapshots.
type ControlPipe struct {
	Stage Stage
	Setup Setup
	// Data is the data stage: what is being sent (IN) or what has arrived
	// (OUT); Pos counts the bytes sent.
	Data []byte
	Pos  int
	// ZLP says the IN data is shorter than the host asked for, so the stage
	// ends with a short packet: a zero-length one when the data is a
	// multiple of the packet size.
	ZLP bool
	// DataDone: the IN data stage ended (a short packet went).
	DataDone bool
}

// Transact is one transaction with endpoint 0; data and the results are as
// Device.Transact has them. maxPacket is the endpoint's bMaxPacketSize0.
func (p *ControlPipe) Transact(pid PID, data []byte, maxPacket int, h Handler) (int, Handshake) {
	switch pid {
	case PIDSetup:
		return p.setup(data, h)
	case PIDIn:
		return p.in(data, maxPacket, h)
	case PIDOut:
		return p.out(data, h)
	}
	return 0, STALL
}

// Reset abandons any transfer.
func (p *ControlPipe) Reset() { *p = ControlPipe{} }

func (p *ControlPipe) setup(data []byte, h Handler) (int, Handshake) {
	s, err := ParseSetup(data)
	// A SETUP is always acknowledged and ends whatever came before it
	// (USB 2.0 §8.5.3, §8.4.6.4), even on a halted endpoint.
	*p = ControlPipe{Setup: s}
	if err != nil {
		p.Stage = StageStalled
		return 0, ACK
	}
	switch {
	case s.Length == 0:
		if _, ok := h.Request(s, nil); ok {
			p.Stage = StageStatusIn
		} else {
			p.Stage = StageStalled
		}
	case s.In():
		in, ok := h.Request(s, nil)
		if !ok {
			p.Stage = StageStalled
			break
		}
		if len(in) > int(s.Length) {
			in = in[:s.Length]
		}
		p.Stage, p.Data = StageDataIn, append([]byte(nil), in...)
		p.ZLP = len(in) < int(s.Length)
	default:
		p.Stage, p.Data = StageDataOut, []byte{}
	}
	return 0, ACK
}

func (p *ControlPipe) in(data []byte, maxPacket int, h Handler) (int, Handshake) {
	switch p.Stage {
	case StageDataIn:
		if p.DataDone {
			// More IN than there was data: a protocol stall, until the
			// next SETUP (§8.5.3.4).
			p.Stage = StageStalled
			return 0, STALL
		}
		n := min(maxPacket, len(p.Data)-p.Pos)
		copy(data, p.Data[p.Pos:p.Pos+n])
		p.Pos += n
		// The stage ends with a short packet (a zero-length one too), or
		// when all the host asked for went.
		if n < maxPacket || p.Pos == len(p.Data) && !p.ZLP {
			p.DataDone = true
		}
		return n, ACK
	case StageStatusIn:
		s := p.Setup
		*p = ControlPipe{}
		h.StatusDone(s)
		return 0, ACK
	case StageDataOut:
		// The host's IN ends the OUT data stage: the status stage.
		s := p.Setup
		if _, ok := h.Request(s, p.Data); !ok {
			*p = ControlPipe{Stage: StageStalled, Setup: s}
			return 0, STALL
		}
		*p = ControlPipe{}
		h.StatusDone(s)
		return 0, ACK
	}
	return 0, STALL
}

func (p *ControlPipe) out(data []byte, h Handler) (int, Handshake) {
	switch p.Stage {
	case StageDataOut:
		room := int(p.Setup.Length) - len(p.Data)
		p.Data = append(p.Data, data[:min(len(data), max(room, 0))]...)
		return 0, ACK
	case StageDataIn:
		// The host's OUT is the status stage; it may end the data stage
		// early (it asked for less than the device had).
		s := p.Setup
		*p = ControlPipe{}
		h.StatusDone(s)
		return 0, ACK
	}
	return 0, STALL
}
