package team

// check rejects configurations no team can have.
func (c Config) check() error {
	if c.NumContexts < 0 {
		return invalidParam("num_contexts %d is negative", c.NumContexts)
	}
	return nil
}
