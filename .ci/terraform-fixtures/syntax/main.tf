variable "x" {
  description =
}
