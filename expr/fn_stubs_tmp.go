package expr

func registerJSONFunctions(r *Registry)     {}
func registerDateTimeFunctions(r *Registry) {}
func registerURLFunctions(r *Registry)      {}
func registerBytesFunctions(r *Registry)    {}
