%% net_pingpong.erl -- the distributed Erlang side of bench/net: a pong
%% process on one node, a pinger on another, both started with -sname and
%% +S 1 by bench_net.c. Prints "erlang size=<bytes> roundtrips_per_s=<n>".
-module(net_pingpong).
-export([pong/0, ping/3]).

pong() ->
    register(pong, self()),
    loop().

loop() ->
    receive
        {From, Msg} -> From ! {self(), Msg}, loop();
        stop -> ok
    end.

ping(Node, N, Size) ->
    Payload = binary:copy(<<0>>, Size),
    Pong = {pong, Node},
    Warm = N div 10, % the first tenth warms up, as on the microkernel side
    run(Pong, Payload, Warm),
    T0 = erlang:monotonic_time(nanosecond),
    run(Pong, Payload, N - Warm),
    T1 = erlang:monotonic_time(nanosecond),
    io:format("erlang size=~p roundtrips_per_s=~p~n",
              [Size, round((N - Warm) * 1.0e9 / (T1 - T0))]).

run(_, _, 0) -> ok;
run(Pong, Payload, N) ->
    Pong ! {self(), Payload},
    receive {_, _} -> run(Pong, Payload, N - 1) end.
