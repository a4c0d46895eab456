package job

// TellGlobalExit passes a global exit with status to every other PE of the
// job and returns the status the rendezvous decided, without ending this
// process: a process running several jobs (SHMEM instances) tells the PEs of
// each before it exits. From then on the job is Exiting.
func (j *Job) TellGlobalExit(status int) (int, error) {
	j.exiting.Store(true)
	return j.sess.GlobalExit(status)
}
