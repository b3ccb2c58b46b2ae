// The preload (`node --require cov-als-native/register`) exports nothing.
export {}
