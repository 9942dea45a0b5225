//! Compiles the gRPC storage proxy's protocol (proto/log_proxy.proto) when the `grpc` feature
//! is on. protoc comes from the protoc-bin-vendored crate, so no system install is needed.
fn main() {
    println!("cargo:rerun-if-changed=proto/log_proxy.proto");
    if std::env::var_os("CARGO_FEATURE_GRPC").is_none() {
        return;
    }
    #[cfg(feature = "grpc")]
    {
        let protoc = protoc_bin_vendored::protoc_bin_path().expect("protoc-bin-vendored has no protoc for this host");
        std::env::set_var("PROTOC", protoc);
        tonic_prost_build::configure()
            .build_client(true)
            .build_server(true)
            .compile_protos(&["proto/log_proxy.proto"], &["proto"])
            .expect("compiling proto/log_proxy.proto");
    }
}
