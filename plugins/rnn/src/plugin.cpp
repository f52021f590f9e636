// The rnn plugin: aten::lstm, aten::gru, aten::rnn_tanh and aten::rnn_relu, and the dynamically
// quantized aten::quantized_lstm and aten::quantized_gru (int8 weights in hybrid kernels). Each op has a fused
// translator (fused.cpp, priority 100) that declines when the fused TFLite ops cannot express
// the model, and the unrolled one (unrolled.cpp, priority 90) that always can.
#include "rnn.hpp"

LITECAST_PLUGIN("litecast.rnn", "0.3.0", "LSTM, GRU and RNN: fused TFLite sequence ops or unrolled over time",
                [](litecast::Registrar& r) {
                  using namespace rnn;
                  r.translator("aten::lstm", kFusedPriority,
                               "UNIDIRECTIONAL_SEQUENCE_LSTM per layer (BIDIRECTIONAL_SEQUENCE_LSTM, or two "
                               "unidirectional with --map-bilstm-to-lstm), states as variable tensors; only "
                               "without initial states and with c_n unused (h_n is sliced from the outputs)",
                               translate_lstm_fused);
                  r.translator("aten::quantized_lstm", kFusedPriority,
                               "quantize_dynamic (int8): hybrid UNIDIRECTIONAL/BIDIRECTIONAL_SEQUENCE_LSTM with "
                               "PyTorch's int8 weights and scales; states as for aten::lstm",
                               translate_lstm_fused);
                  r.translator("aten::rnn_tanh", kFusedPriority,
                               "UNIDIRECTIONAL_SEQUENCE_RNN per layer and direction, state as a variable "
                               "tensor; only without initial state",
                               translate_rnn_fused);
                  r.translator("aten::rnn_relu", kFusedPriority,
                               "UNIDIRECTIONAL_SEQUENCE_RNN per layer and direction, state as a variable "
                               "tensor; only without initial state",
                               translate_rnn_fused);
                  const char* unrolled =
                      "unrolled over time into elementary ops (--unroll-rnn, GRU, initial states given, or an "
                      "LSTM's c_n read); "
                      "--separated-rnn-gate-calc: one FULLY_CONNECTED per gate; float32, padded "
                      "batched input, eval mode";
                  r.translator("aten::lstm", kUnrolledPriority, unrolled, translate_unrolled);
                  r.translator("aten::gru", kUnrolledPriority, unrolled, translate_unrolled);
                  r.translator("aten::rnn_tanh", kUnrolledPriority, unrolled, translate_unrolled);
                  r.translator("aten::rnn_relu", kUnrolledPriority, unrolled, translate_unrolled);
                  const char* unrolled_q =
                      "quantize_dynamic (int8): unrolled over time with hybrid FULLY_CONNECTED (PyTorch's int8 "
                      "weights and scales)";
                  r.translator("aten::quantized_lstm", kUnrolledPriority, unrolled_q, translate_unrolled);
                  r.translator("aten::quantized_gru", kUnrolledPriority, unrolled_q, translate_unrolled);
                })
