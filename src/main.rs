fn main() {
    jindu::start();
}
