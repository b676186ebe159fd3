package cache

// kernelName is the Name of the NewKernel backend.
const kernelName = "kernel"
