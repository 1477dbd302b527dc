%% mk_peer.erl -- the Erlang peer of bench/core/actor_bench: the same
%% programs as actor_bench.c (ping-pong empty and 64-byte, fan-in 4 -> 1,
%% spawn+stop, memory per idle process, ring), written the way Erlang code
%% is usually written. actor_bench runs it as
%%   erl +S 1 -noshell -pa <dir> -run mk_peer main full|quick
%% and reads the lines "figure <key> <value>" it prints.
-module(mk_peer).
-export([main/1]).

-define(MIN_SECONDS, 0.5).

main([Mode]) ->
    Quick = Mode =:= "quick",
    {MinSec, Reps, PP, Fan, Actors, RingSize, Hops} =
        case Quick of
            true -> {0.0, 1, 10000, 10000, 1000, 100, 10000};
            false -> {?MIN_SECONDS, 3, 1000000, 1000000, 100000, 1000, 1000000}
        end,
    %% Memory first, like actor_bench: nothing freed yet to be reused.
    figure(memory, memory_per_process(Actors)),
    figure(pingpong_empty, throughput(fun(N) -> pingpong(N, none) end, PP, MinSec, Reps)),
    Bin = binary:copy(<<16#5a>>, 64),
    figure(pingpong_64, throughput(fun(N) -> pingpong(N, Bin) end, PP, MinSec, Reps)),
    figure(fanin, throughput(fun fanin/1, Fan, MinSec, Reps)),
    figure(spawn_stop, fixed_rate(fun spawn_stop/1, Actors, Reps)),
    figure(ring, fixed_rate(fun(N) -> ring(RingSize, N) end, Hops, Reps)),
    erlang:halt(0).

figure(Key, Value) ->
    io:format("figure ~s ~.3f~n", [Key, float(Value)]).

%% CPU seconds of the whole VM (all its threads) while Fun runs, like
%% actor_bench: the machine is shared, so wall time would measure the load.
%% statistics(runtime) counts milliseconds; a run shorter than 1 ms (only
%% in quick mode) counts as 1 ms.
seconds(Fun) ->
    {C0, _} = erlang:statistics(runtime),
    Fun(),
    {C1, _} = erlang:statistics(runtime),
    max(1, C1 - C0) / 1000.

%% Grow N until one run lasts MinSec, then keep the best of Reps runs.
throughput(Run, N, MinSec, Reps) ->
    T = Run(N),
    if
        T < MinSec ->
            Scale = min(100.0, max(2.0, if T > 0 -> 1.2 * MinSec / T; true -> 10.0 end)),
            throughput(Run, round(N * Scale), MinSec, Reps);
        true ->
            lists:max([N / T | [N / Run(N) || _ <- lists:seq(2, Reps)]])
    end.

fixed_rate(Run, N, Reps) ->
    lists:max([N / Run(N) || _ <- lists:seq(1, Reps)]).

%% ---- ping-pong: N messages, N div 2 round trips ----

pingpong(N, Payload) ->
    Parent = self(),
    Pong = spawn(fun pong/0),
    seconds(fun() ->
                    spawn(fun() -> ping(Pong, N div 2, Payload, Parent) end),
                    receive pingpong_done -> ok end
            end).

ping(Pong, 0, _Payload, Parent) ->
    Pong ! stop,
    Parent ! pingpong_done;
ping(Pong, Left, Payload, Parent) ->
    Pong ! {self(), Payload},
    receive {pong, _} -> ping(Pong, Left - 1, Payload, Parent) end.

pong() ->
    receive
        {From, Payload} -> From ! {pong, Payload}, pong();
        stop -> ok
    end.

%% ---- fan-in: 4 producers send N div 4 each to one consumer ----

fanin(N) ->
    Parent = self(),
    Each = N div 4,
    seconds(fun() ->
                    C = spawn(fun() -> consume(Each * 4, Parent) end),
                    [spawn(fun() -> produce(C, Each) end) || _ <- lists:seq(1, 4)],
                    receive fanin_done -> ok end
            end).

produce(_C, 0) -> ok;
produce(C, Left) -> C ! work, produce(C, Left - 1).

consume(0, Parent) -> Parent ! fanin_done;
consume(Left, Parent) -> receive work -> consume(Left - 1, Parent) end.

%% ---- spawn+stop: spawn N idle processes, then kill them all ----

idle() -> receive stop -> ok end.

spawn_stop(N) ->
    Base = erlang:system_info(process_count),
    seconds(fun() ->
                    Pids = [spawn(fun idle/0) || _ <- lists:seq(1, N)],
                    [exit(P, kill) || P <- Pids],
                    wait_count(Base)
            end).

%% The kills are asynchronous: wait until the processes are really gone.
wait_count(Base) ->
    case erlang:system_info(process_count) > Base of
        true -> erlang:yield(), wait_count(Base);
        false -> ok
    end.

%% ---- memory per idle process: erlang:memory(processes) delta ----

memory_per_process(N) ->
    erlang:garbage_collect(),
    Before = erlang:memory(processes),
    Pids = [spawn(fun idle/0) || _ <- lists:seq(1, N)],
    After = erlang:memory(processes),
    [P ! stop || P <- Pids],
    (After - Before) / N.

%% ---- ring: Size processes pass a token Hops times ----

ring(Size, Hops) ->
    Parent = self(),
    Nodes = [spawn(fun() -> ring_start(Parent) end) || _ <- lists:seq(1, Size)],
    [First | _] = Nodes,
    lists:foreach(fun({P, Next}) -> P ! {next, Next} end,
                  lists:zip(Nodes, tl(Nodes) ++ [First])),
    T = seconds(fun() ->
                        First ! Hops,
                        receive ring_done -> ok end
                end),
    [P ! stop || P <- Nodes],
    T.

ring_start(Parent) ->
    receive {next, Next} -> ring_node(Next, Parent) end.

ring_node(Next, Parent) ->
    receive
        0 -> Parent ! ring_done, ring_node(Next, Parent);
        stop -> ok;
        Left -> Next ! Left - 1, ring_node(Next, Parent)
    end.
