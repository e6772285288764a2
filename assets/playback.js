// Animation playback in the browser: no server round trip per frame, and no Dash callback per frame either.
// A page keeps its frames in a dcc.Store ({frames, captions, title, kind: "lattice" with zmax, or
// "particles" with box}; built by pages/figures.py playback_data). The scrub slider's value is the frame
// shown when paused; while playing, a timer swaps the trace's data with Plotly.restyle and writes the
// caption itself, and tells the slider where it is every few frames (Dash's store is too slow for 25 per second).
(function () {
    const players = {};  // per page prefix: {data, index, timer}
    const SYNC_EVERY = 10;

    function plotOf(page, data) {
        const plot = document.querySelector("#" + page + "-animation .js-plotly-plot");
        const type = data.kind === "particles" ? "scatter" : "heatmap";
        const ready = plot && plot.data && plot.data.length && plot.data[0].type === type
            && players[page] && players[page].drawn === data.frames;
        return ready ? plot : null;
    }

    // Show frame `index` in a plot that already holds this run's first figure; false when it does not yet.
    function show(page, data, index) {
        const plot = plotOf(page, data);
        if (!plot) {
            return false;
        }
        const state = data.frames[index];
        Plotly.restyle(plot, data.kind === "particles" ? {x: [state[0]], y: [state[1]]} : {z: [state]}, [0]);
        return true;
    }

    function figure(data, index) {
        const state = data.frames[index];
        const layout = {title: {text: data.title}, height: 320, margin: {l: 10, r: 10, t: 40, b: 10},
                        uirevision: "playback"};
        let trace;
        if (data.kind === "particles") {
            // Particles [xs, ys] in the periodic box, about one σ wide (as pages/figures.py draws them).
            trace = {type: "scatter", mode: "markers", x: state[0], y: state[1],
                     marker: {size: Math.max(4, 240 / data.box), color: "#2166ac", line: {width: 0.5, color: "white"}}};
            layout.xaxis = {range: [0, data.box], showticklabels: false, constrain: "domain", mirror: true, showline: true};
            layout.yaxis = {range: [0, data.box], showticklabels: false, scaleanchor: "x", mirror: true, showline: true};
        } else {
            trace = {type: "heatmap", z: state, zmin: -data.zmax, zmax: data.zmax, showscale: false,
                     colorscale: [[0, "#2166ac"], [0.5, "#f7f7f7"], [1, "#b2182b"]]};
            layout.xaxis = {visible: false, constrain: "domain"};
            layout.yaxis = {visible: false, scaleanchor: "x", autorange: "reversed"};
        }
        return {data: [trace], layout: layout};
    }

    function stop(page) {
        const player = players[page];
        if (player && player.timer) {
            clearInterval(player.timer);
            player.timer = null;
        }
    }

    function tick(page) {
        const player = players[page];
        const last = player.data.frames.length - 1;
        player.index = Math.min(player.index + 1, last);
        show(page, player.data, player.index);
        document.getElementById(page + "-anim-caption").textContent = player.data.captions[player.index];
        const done = player.index >= last;
        if (done || player.index % SYNC_EVERY === 0) {
            dash_clientside.set_props(page + "-anim-slider", {value: player.index});
        }
        if (done) {
            stop(page);
            dash_clientside.set_props(page + "-anim-play", {children: "▶ Play"});
        }
    }

    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        playback: {
            // Buttons and new frames: returns [slider value, slider max, play button label].
            control: function (back, forward, play, data, index) {
                const trigger = (dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
                const page = trigger.split("-anim-")[0];
                const last = data && data.frames ? Math.max(data.frames.length - 1, 0) : 0;
                const player = players[page] = players[page] || {};
                const playing = Boolean(player.timer);
                stop(page);
                if (trigger.endsWith(".data")) {
                    return [0, last, "▶ Play"];
                }
                const at = playing ? player.index : (index || 0);
                if (trigger.endsWith("-play.n_clicks") && !playing && last > 0) {
                    player.data = data;
                    player.index = at >= last ? 0 : at;  // from the start once the end was reached
                    player.timer = setInterval(() => tick(page), 40);  // 25 frames per second at most
                    return [player.index, last, "❚❚ Pause"];
                }
                const step = trigger.endsWith("-back.n_clicks") ? -1 : trigger.endsWith("-forward.n_clicks") ? 1 : 0;
                return [Math.min(Math.max(at + step, 0), last), last, "▶ Play"];
            },

            // The slider (scrubbing, stepping, a new run): the first frame of a run goes to the graph as a
            // figure, later ones only restyle its trace. Returns [figure, caption].
            draw: function (index, data, graphId) {
                if (!data || !data.frames || data.frames.length === 0) {
                    return [window.dash_clientside.no_update, ""];
                }
                const page = graphId.replace(/-animation$/, "");
                const frame = Math.min(index || 0, data.frames.length - 1);
                if (show(page, data, frame)) {
                    return [window.dash_clientside.no_update, data.captions[frame]];
                }
                players[page] = players[page] || {};
                players[page].drawn = data.frames;
                return [figure(data, frame), data.captions[frame]];
            },
        },
    });
})();
