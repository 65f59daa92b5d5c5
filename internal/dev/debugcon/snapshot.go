package debugcon

// Save returns the console's state for a snapshot: it has none.
func (c *Console) Save() ([]byte, error) { return nil, nil }

// Load restores a state from Save: there is nothing to restore.
func (c *Console) Load([]byte) error { return nil }
