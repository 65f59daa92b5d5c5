package usb

// Descriptors are what a device's standard requests answer from: wiring,
// fixed for the device, not state.
type Descriptors struct {
	// Device is the device descriptor.
	Device []byte
	// Configuration is the one configuration's descriptor followed by its
	// interface, class and endpoint descriptors (ConfigurationDescriptor.
	// Bytes).
	Configuration []byte
	// Strings are the string descriptors by index; Strings[0] lists the
	// languages (LangIDs).
	Strings [][]byte
	// Endpoints are the addresses of the configuration's endpoints besides
	// endpoint 0 (0x81 for IN 1), for the endpoint requests.
	Endpoints []uint8
}

// configValue returns bConfigurationValue, bNumInterfaces and bmAttributes.
func (d *Descriptors) config() (value, interfaces, attributes uint8) {
	if len(d.Configuration) < 9 {
		return 0, 0, 0
	}
	return d.Configuration[5], d.Configuration[4], d.Configuration[7]
}

func (d *Descriptors) hasEndpoint(addr uint8) bool {
	if addr&0x7F == 0 {
		return true
	}
	for _, e := range d.Endpoints {
		if e == addr {
			return true
		}
	}
	return false
}

// Standard answers the standard device requests (USB 2.0 §9.4) of a device
// with one configuration and interfaces without alternate settings, and
// keeps the state they set. Its fields are that state, for snapshots.
type Standard struct {
	// Address is the device's address (0 in the Default state).
	Address uint8
	// Configuration is the selected configuration value (0: the device is
	// in the Address state, unconfigured).
	Configuration uint8
	// RemoteWakeup is the DEVICE_REMOTE_WAKEUP feature.
	RemoteWakeup bool
	// Halted holds the endpoints whose ENDPOINT_HALT feature is set: bit n
	// for OUT endpoint n, bit 16+n for IN endpoint n.
	Halted uint32
}

// Reset returns to the Default state: address 0, unconfigured.
func (st *Standard) Reset() { *st = Standard{} }

// Configured reports whether the host has selected a configuration.
func (st *Standard) Configured() bool { return st.Configuration != 0 }

// EndpointHalted reports whether endpoint addr (0x81 for IN 1) is halted.
func (st *Standard) EndpointHalted(addr uint8) bool { return st.Halted&haltBit(addr) != 0 }

func haltBit(addr uint8) uint32 {
	n := uint32(addr & 0x0F)
	if addr&0x80 != 0 {
		n += 16
	}
	return 1 << n
}

// Request answers s when it is a standard request the device handles alike
// for every function: handled is false for anything else (class and vendor
// requests, descriptors of an interface), which the device answers itself.
// in and ok are as Handler.Request has them.
func (st *Standard) Request(d *Descriptors, s Setup, out []byte) (in []byte, ok, handled bool) {
	if s.Type() != TypeStandard {
		return nil, false, false
	}
	value, interfaces, attributes := d.config()
	rcpt := s.Recipient()
	switch s.Request {
	case RequestGetStatus:
		if !s.In() || s.Value != 0 || s.Length != 2 && s.Length != 0 {
			break
		}
		switch rcpt {
		case RecipientDevice:
			var b byte
			if attributes&ConfigSelfPowered != 0 {
				b |= 1
			}
			if st.RemoteWakeup {
				b |= 2
			}
			return []byte{b, 0}, true, true
		case RecipientInterface:
			if st.Configured() && s.Index < uint16(interfaces) {
				return []byte{0, 0}, true, true
			}
		case RecipientEndpoint:
			if ep := uint8(s.Index); d.hasEndpoint(ep) && (ep&0x7F == 0 || st.Configured()) {
				var b byte
				if st.EndpointHalted(ep) {
					b = 1
				}
				return []byte{b, 0}, true, true
			}
		}
	case RequestClearFeature, RequestSetFeature:
		on := s.Request == RequestSetFeature
		if s.In() || s.Length != 0 {
			break
		}
		switch {
		case rcpt == RecipientDevice && s.Value == FeatureDeviceRemoteWakeup:
			if attributes&ConfigRemoteWakeup == 0 {
				break
			}
			st.RemoteWakeup = on
			return nil, true, true
		case rcpt == RecipientEndpoint && s.Value == FeatureEndpointHalt:
			ep := uint8(s.Index)
			if !d.hasEndpoint(ep) || ep&0x7F != 0 && !st.Configured() {
				break
			}
			if ep&0x7F != 0 {
				if on {
					st.Halted |= haltBit(ep)
				} else {
					st.Halted &^= haltBit(ep)
				}
			}
			return nil, true, true
		}
	case RequestSetAddress:
		// The address takes effect when the status stage completes
		// (StatusDone).
		if rcpt == RecipientDevice && !s.In() && s.Value <= 127 && s.Index == 0 && s.Length == 0 {
			return nil, true, true
		}
	case RequestGetDescriptor:
		if !s.In() || rcpt != RecipientDevice {
			return nil, false, false // interface descriptors are class business
		}
		typ, idx := uint8(s.Value>>8), int(s.Value&0xFF)
		switch typ {
		case DescriptorDevice:
			if idx == 0 {
				return d.Device, true, true
			}
		case DescriptorConfiguration:
			if idx == 0 {
				return d.Configuration, true, true
			}
		case DescriptorString:
			if idx < len(d.Strings) && d.Strings[idx] != nil {
				return d.Strings[idx], true, true
			}
		}
		// A full-speed-only device answers DEVICE_QUALIFIER and
		// OTHER_SPEED_CONFIGURATION with a request error (§9.6.2).
	case RequestGetConfiguration:
		if s.In() && rcpt == RecipientDevice {
			return []byte{st.Configuration}, true, true
		}
	case RequestSetConfiguration:
		if s.In() || rcpt != RecipientDevice || s.Length != 0 {
			break
		}
		if v := uint8(s.Value); s.Value>>8 == 0 && (v == 0 || v == value) && st.Address != 0 {
			st.Configuration = v
			st.Halted = 0 // selecting a configuration clears every halt (§9.4.5)
			return nil, true, true
		}
	case RequestGetInterface:
		if s.In() && rcpt == RecipientInterface && st.Configured() && s.Index < uint16(interfaces) {
			return []byte{0}, true, true
		}
	case RequestSetInterface:
		if !s.In() && rcpt == RecipientInterface && st.Configured() && s.Index < uint16(interfaces) && s.Value == 0 {
			return nil, true, true
		}
	}
	// SET_DESCRIPTOR, SYNCH_FRAME, test modes and anything malformed: a
	// request error, which a device reports by STALL (§9.2.7).
	return nil, false, true
}

// StatusDone applies what takes effect when a standard request's status
// stage completes: the address of SET_ADDRESS.
func (st *Standard) StatusDone(s Setup) {
	if s.Type() == TypeStandard && s.Request == RequestSetAddress && s.Recipient() == RecipientDevice {
		st.Address = uint8(s.Value)
		if st.Address == 0 {
			st.Configuration = 0
		}
	}
}
