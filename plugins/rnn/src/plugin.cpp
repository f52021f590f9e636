// The rnn plugin. It loads and registers; its op family is filled in by later work.
#include <litecast/plugin.hpp>

LITECAST_PLUGIN("litecast.rnn", "0.1.0", "LSTM and GRU (aten::lstm, aten::gru); translators arrive with the RNN work", [](litecast::Registrar&) {})
